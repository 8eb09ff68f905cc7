import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from "@nestjs/common";
import { PostgresDjangoSession } from "django-session/typeorm";
import { DataSource } from "typeorm";
import { settings } from "./settings";

/** The fields of Django's auth_user this app reads. */
export interface User {
  id: number;
  username: string;
  password: string;
  isActive: boolean;
}

interface AuthUserRow {
  id: number;
  username: string;
  password: string;
  is_active: boolean;
}

/** Django's auth_user, read-only (Django owns the table and its rows). */
@Injectable()
export class UsersService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The backend's get_user(): `_auth_user_id` (a string) → the user, or null. */
  async findById(id: string): Promise<User | null> {
    if (!/^\d+$/.test(id)) return null;
    return this.findOne("id = $1", Number(id));
  }

  findByUsername(username: string): Promise<User | null> {
    return this.findOne("username = $1", username);
  }

  private async findOne(where: string, value: unknown): Promise<User | null> {
    const rows: AuthUserRow[] = await this.dataSource.query(`SELECT id, username, password, is_active FROM auth_user WHERE ${where}`, [value]);
    const row = rows[0];
    return row ? { id: row.id, username: row.username, password: row.password, isActive: row.is_active } : null;
  }
}

/**
 * The TypeORM DataSource, as a provider (with @nestjs/typeorm, `TypeOrmModule.forRoot({ ...,
 * entities: [PostgresDjangoSession] })` does the same). The DjangoSession entity is for your own
 * queries; it is `synchronize: false`, so TypeORM never alters Django's table.
 */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      useFactory: () =>
        new DataSource({ type: "postgres", url: settings.databaseUrl, entities: [PostgresDjangoSession], synchronize: false }).initialize(),
    },
    UsersService,
  ],
  exports: [DataSource, UsersService],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
