import { Global, Inject, Module, type OnApplicationShutdown } from "@nestjs/common";
import { PostgresAuthUser, PostgresDjangoSession } from "django-session/typeorm";
import { DataSource } from "typeorm";
import { settings } from "./settings";

/**
 * The TypeORM DataSource, as a provider (with @nestjs/typeorm, `TypeOrmModule.forRoot({ ...,
 * entities: [PostgresDjangoSession, PostgresAuthUser] })` does the same). The entities map
 * Django's django_session and auth_user for your own queries; both are `synchronize: false`, and
 * so is the DataSource: Django owns its tables, TypeORM never alters them.
 */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      useFactory: () =>
        new DataSource({
          type: "postgres",
          url: settings.databaseUrl,
          entities: [PostgresDjangoSession, PostgresAuthUser],
          synchronize: false,
        }).initialize(),
    },
  ],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
