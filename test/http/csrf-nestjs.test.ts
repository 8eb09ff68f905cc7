/**
 * `DjangoCsrfModule` (the Express middleware or the Fastify plugin at the platform's root) on both
 * NestJS platforms, over real HTTP: see csrf-suite.ts.
 */
import "reflect-metadata";
import { Controller, Get, HttpCode, Module, Post, Req, type DynamicModule } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { Session } from "../../src";
import { DjangoCsrfModule, DjangoSession, DjangoSessionModule, getCsrf } from "../../src/integrations/nestjs";
import { CSRF_ROUTES, describeCsrfMiddleware, type MountCsrf } from "./csrf-suite";

type Req = { body?: Record<string, string> };
const run = (key: string, session: Session, req: Req) => CSRF_ROUTES[key]!(session, getCsrf(req), req.body ?? {});

@Controller()
class CsrfController {
  @Get("plain")
  plain(@DjangoSession() session: Session, @Req() req: Req) {
    return run("GET /plain", session, req);
  }
  @Get("token")
  token(@DjangoSession() session: Session, @Req() req: Req) {
    return run("GET /token", session, req);
  }
  @Post("submit")
  @HttpCode(200)
  submit(@DjangoSession() session: Session, @Req() req: Req) {
    return run("POST /submit", session, req);
  }
  @Post("exempt")
  @HttpCode(200)
  exempt(@DjangoSession() session: Session, @Req() req: Req) {
    return run("POST /exempt", session, req);
  }
  @Post("login")
  @HttpCode(200)
  login(@DjangoSession() session: Session, @Req() req: Req) {
    return run("POST /login", session, req);
  }
}

@Module({})
class AppModule {
  static with(imports: DynamicModule[]): DynamicModule {
    return { module: AppModule, imports, controllers: [CsrfController] };
  }
}

const mountOn =
  (platform: "express" | "fastify"): MountCsrf =>
  async (sessionOptions, csrfOptions) => {
    const modules = [DjangoSessionModule.forRoot(sessionOptions), DjangoCsrfModule.forRoot({ ...csrfOptions, exempt: (req) => req.url === "/exempt" })];
    const app = await NestFactory.create(AppModule.with(modules), platform === "express" ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    await app.listen(0, "127.0.0.1");
    const address = app.getHttpServer().address();
    if (!address || typeof address === "string") throw new Error("no TCP address");
    return { origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
  };

describeCsrfMiddleware("nestjs_express", mountOn("express"), [{ dialect: "postgres" }]);
describeCsrfMiddleware("nestjs_fastify", mountOn("fastify"), [{ dialect: "mysql" }]);
