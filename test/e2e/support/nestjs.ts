/**
 * The Node app of node-app.ts as a NestJS application on the Express platform:
 * `DjangoSessionModule.forRoot({ repository, auth })`, `@DjangoSession()` for the session, and
 * whoami through the module's own `getCurrentUser()` (what `@CurrentUser()` resolves).
 */
import "reflect-metadata";
import { Controller, Get, Inject, Module, Post, Req, Res, type DynamicModule } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter, type NestExpressApplication } from "@nestjs/platform-express";
import type { Request, Response } from "express";
import type { Session } from "../../../src";
import { DjangoCsrfModule, DjangoSession, DjangoSessionModule, getCsrf, getCurrentUser } from "../../../src/integrations/nestjs";
import { csrfExempt, type Handlers, type MountIntegration, type NodeRequest, type Reply } from "./node-app";

const HANDLERS = Symbol("e2e handlers");

function send(res: Response, reply: Reply): void {
  for (const [name, value] of reply.headers ?? []) res.append(name, value);
  if (reply.html === undefined) res.status(reply.status).json(reply.body);
  else res.status(reply.status).type("html").send(reply.html);
}

const nodeRequest = (req: Request): NodeRequest => ({ cookie: req.headers.cookie, host: req.headers.host, csrf: getCsrf(req) });

@Controller("node")
class NodeController {
  constructor(@Inject(HANDLERS) private readonly handlers: Handlers) {}

  @Post("login")
  async login(@DjangoSession() session: Session, @Req() req: Request, @Res() res: Response) {
    send(res, await this.handlers.login(session, (req.body ?? {}) as Record<string, string>));
  }

  @Post("logout")
  async logout(@DjangoSession() session: Session, @Res() res: Response) {
    send(res, await this.handlers.logout(session));
  }

  @Get("whoami")
  async whoami(@DjangoSession() session: Session, @Req() req: Request, @Res() res: Response) {
    const { user, reason } = await getCurrentUser<{ id: number; password: string; username: string }>(req);
    send(res, { status: 200, body: { user: user && { id: user.id, username: user.username }, reason, session: await session.toObject() } });
  }

  @Get("counter")
  async counter(@DjangoSession() session: Session, @Res() res: Response) {
    send(res, await this.handlers.counter(session, false));
  }

  @Post("counter")
  async increment(@DjangoSession() session: Session, @Res() res: Response) {
    send(res, await this.handlers.counter(session, true));
  }

  @Get("ping")
  async ping(@Res() res: Response) {
    send(res, await this.handlers.ping());
  }

  @Get("form")
  async form(@DjangoSession() session: Session, @Req() req: Request, @Res() res: Response) {
    send(res, await this.handlers.form(session, nodeRequest(req)));
  }

  @Post("note")
  async note(@DjangoSession() session: Session, @Req() req: Request, @Res() res: Response) {
    send(res, await this.handlers.note(session, (req.body ?? {}) as Record<string, string>, nodeRequest(req)));
  }

  @Get("messages")
  async messages(@DjangoSession() session: Session, @Req() req: Request, @Res() res: Response) {
    send(res, await this.handlers.messages(session, nodeRequest(req)));
  }

  @Post("end-sessions")
  async endSessions(@Req() req: Request, @Res() res: Response) {
    send(res, await this.handlers.endSessions((req.body ?? {}) as Record<string, string>));
  }
}

@Module({})
class AppModule {
  static with(sessionModule: DynamicModule, csrfModule: DynamicModule, handlers: Handlers): DynamicModule {
    return {
      module: AppModule,
      imports: [sessionModule, csrfModule],
      controllers: [NodeController],
      providers: [{ provide: HANDLERS, useValue: handlers }],
    };
  }
}

export const mountNestExpress: MountIntegration = async (options, _routes, handlers, settings) => {
  const sessionModule = DjangoSessionModule.forRoot({ ...options, auth: handlers.auth });
  const csrfModule = DjangoCsrfModule.forRoot({ ...settings.csrf, exempt: (req) => csrfExempt(req.url) });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.with(sessionModule, csrfModule, handlers), new ExpressAdapter(), { logger: false });
  await app.listen(settings.port, "127.0.0.1");
  const address = app.getHttpServer().address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return { origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
};
