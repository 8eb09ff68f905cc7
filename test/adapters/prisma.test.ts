import { defineAdapterSuite } from "./prisma-suites";

// Every SessionRowAdapter method through PrismaSessionAdapter on real PostgreSQL, MariaDB and
// SQLite, in the process time zone (prisma-new-york.test.ts repeats the date checks elsewhere).
defineAdapterSuite("prisma");
