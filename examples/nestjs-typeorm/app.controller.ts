import { Body, Controller, Get, HttpCode, Inject, Post, UnauthorizedException } from "@nestjs/common";
import type { Session } from "django-session";
import { checkPassword, login, logout } from "django-session/auth";
import { CurrentUser, DjangoSession } from "django-session/nestjs";
import { PostgresAuthUser, PostgresDjangoSession, type AuthUserEntity } from "django-session/typeorm";
import { DataSource, MoreThan } from "typeorm";
import { settings } from "./settings";

/** The keys this app keeps in the session. */
type AppSession = Session<{ counter?: number }>;

@Controller()
export class AppController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Who is logged in (Django's request.user, via @CurrentUser()) and what the session holds. */
  @Get()
  async index(@DjangoSession() session: AppSession, @CurrentUser() user: AuthUserEntity | null) {
    return { user: user && { id: user.id, username: user.username }, counter: (await session.get("counter")) ?? 0 };
  }

  @Post("counter")
  @HttpCode(200)
  async counter(@DjangoSession() session: AppSession) {
    const counter = ((await session.get("counter")) ?? 0) + 1;
    await session.set("counter", counter);
    return { counter };
  }

  /** Django's login(): the session then says "logged in" to Django as well. */
  @Post("login")
  @HttpCode(200)
  async login(@DjangoSession() session: AppSession, @Body() body: { username?: unknown; password?: unknown }) {
    const { username, password } = body ?? {};
    const user = typeof username === "string" ? await this.dataSource.getRepository(PostgresAuthUser).findOneBy({ username }) : null;
    if (!user || !user.isActive || typeof password !== "string" || !(await checkPassword(password, user.password))) {
      throw new UnauthorizedException("Wrong username or password.");
    }
    await login(session, user, { secretKey: settings.secretKey }); // a new session key; saved by the middleware
    return { user: { id: user.id, username: user.username } };
  }

  /** Django's logout(): the row is deleted, so the user is logged out on Django too. */
  @Post("logout")
  @HttpCode(204)
  async logout(@DjangoSession() session: AppSession) {
    await logout(session);
  }

  /** The DjangoSession entity in a query of your own: how many sessions are live. */
  @Get("stats")
  async stats() {
    return { liveSessions: await this.dataSource.getRepository(PostgresDjangoSession).countBy({ expireDate: MoreThan(new Date()) }) };
  }
}
