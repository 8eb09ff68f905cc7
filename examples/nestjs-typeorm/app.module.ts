import { Module } from "@nestjs/common";
import { DjangoSessionRepository } from "django-session";
import { DjangoSessionModule } from "django-session/nestjs";
import { createTypeOrmAdapter, createTypeOrmUserLoader } from "django-session/typeorm";
import { DataSource } from "typeorm";
import { AppController } from "./app.controller";
import { DatabaseModule } from "./database.module";
import { settings } from "./settings";

@Module({
  imports: [
    DatabaseModule,
    // Django's SessionMiddleware on every route, over the app's own DataSource; `auth` enables
    // @CurrentUser() (Django's request.user), loading auth_user through the PostgresAuthUser entity.
    DjangoSessionModule.forRootAsync({
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => ({
        repository: new DjangoSessionRepository({ secretKey: settings.secretKey, adapter: createTypeOrmAdapter(dataSource) }),
        auth: { secretKey: settings.secretKey, loadUser: createTypeOrmUserLoader(dataSource) },
      }),
    }),
  ],
  controllers: [AppController],
})
export class AppModule {}
