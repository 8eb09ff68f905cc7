import "reflect-metadata";
import "../support/fastify-inject";
import { Controller, Get, Module, Req } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import type { FastifyRequest } from "fastify";
import { DjangoSessionRepository, SqlRowAdapter, silentLogger } from "../../src";
import { djangoSession } from "../../src/integrations/fastify";
import { openSqlite, type RawDatabase } from "../support/raw-tables";
import { DELETION, attrs, sessionKeyOf, type HttpResult } from "./session-integration-suite";

// The plugin on NestJS's Fastify platform, registered the way Nest documents Fastify plugins
// (`app.register`): Nest's controllers get `request.session` on the FastifyRequest.

@Controller()
class SessionController {
  @Get("visit")
  async visit(@Req() request: FastifyRequest) {
    const visits = ((await request.session.get("visits")) as number | undefined) ?? 0;
    await request.session.set("visits", visits + 1);
    return { visits: visits + 1 };
  }

  @Get("logout")
  async logout(@Req() request: FastifyRequest) {
    await request.session.flush();
    return { ok: true };
  }
}

@Module({ controllers: [SessionController] })
class AppModule {}

let db: RawDatabase;
let app: NestFastifyApplication;
beforeAll(async () => {
  db = await openSqlite("http-fastify-nestjs");
  await db.recreate();
  const repository = new DjangoSessionRepository({ secretKey: "nestjs-secret", adapter: new SqlRowAdapter(db.executor), logger: silentLogger });
  app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
  await app.register(djangoSession, { repository });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

async function get(url: string, cookie?: string): Promise<HttpResult> {
  const res = await app.inject({ method: "GET", url, headers: cookie ? { cookie } : {} });
  const setCookie = res.headers["set-cookie"];
  return {
    status: res.statusCode,
    body: res.body,
    setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)],
    vary: res.headers.vary as string | undefined,
    contentType: res.headers["content-type"] as string | undefined,
  };
}

test("a Nest controller reads and writes request.session; the cookie round-trips and logout deletes it", async () => {
  const first = await get("/visit");
  expect(first.status).toBe(200);
  expect(JSON.parse(first.body)).toEqual({ visits: 1 });
  const key = sessionKeyOf(first);
  expect(attrs(first.setCookie[0])).toMatchObject({ httponly: true, path: "/", samesite: "Lax" });
  expect(first.vary).toBe("Cookie");
  const second = await get("/visit", `sessionid=${key}`);
  expect(JSON.parse(second.body)).toEqual({ visits: 2 });
  const logout = await get("/logout", `sessionid=${key}`);
  expect(logout.setCookie.map(attrs)).toEqual([DELETION]);
  expect(await db.table.getRow(key)).toBeNull();
});
