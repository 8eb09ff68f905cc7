// `express4` is an npm alias of express@4 (devDependencies), typed with @types/express: the
// handler API the tests use is the same in 4 and 5.
declare module "express4" {
  import express = require("express");
  export = express;
}
