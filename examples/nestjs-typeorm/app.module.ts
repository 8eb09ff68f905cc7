import { Module } from "@nestjs/common";
import { DjangoSessionRepository } from "django-session";
import { DjangoSessionModule } from "django-session/nestjs";
import { createTypeOrmAdapter } from "django-session/typeorm";
import { DataSource } from "typeorm";
import { AppController } from "./app.controller";
import { DatabaseModule, UsersService } from "./database.module";
import { settings } from "./settings";

@Module({
  imports: [
    DatabaseModule,
    // Django's SessionMiddleware on every route, over the app's own DataSource; `auth` enables
    // @CurrentUser() (Django's request.user).
    DjangoSessionModule.forRootAsync({
      inject: [DataSource, UsersService],
      useFactory: (dataSource: DataSource, users: UsersService) => ({
        repository: new DjangoSessionRepository({ secretKey: settings.secretKey, adapter: createTypeOrmAdapter(dataSource) }),
        auth: { secretKey: settings.secretKey, loadUser: (id: string) => users.findById(id) },
      }),
    }),
  ],
  controllers: [AppController],
})
export class AppModule {}
