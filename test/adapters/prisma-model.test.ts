import { defineModelSuite } from "./prisma-suites";

// The DjangoSession model of prisma/{postgresql,mysql,sqlite}.prisma through the generated clients.
defineModelSuite("prisma_model");
