import { dirname } from "node:path";

/**
 * Import this before using `fastify.inject()` under Jest. light-my-request 6.8 (behind
 * `inject`) requires `cookie` 2, which is ESM-only, and Jest cannot `require()` ESM on Node 20.
 * Its one use of it is `stringifySetCookie({ name, value })` for the `cookies` inject option;
 * cookie 1.x (CommonJS, the library's own dependency) has the same function. Only
 * light-my-request's copy is replaced: the library's own `cookie` is untouched.
 */
const lightMyRequest = dirname(require.resolve("light-my-request/package.json", { paths: [dirname(require.resolve("fastify"))] }));
const itsCookie = require.resolve("cookie", { paths: [lightMyRequest] });
if (itsCookie !== require.resolve("cookie")) jest.doMock(itsCookie, () => jest.requireActual("cookie"));
