// A Jest environment that runs one test file in another process time zone:
//
//   /**
//    * @jest-environment ./test/support/time-zone-environment.js
//    * @jest-environment-options {"timeZone": "America/New_York"}
//    */
//
// Tests cannot change it themselves: Jest hands them a copy of process.env, so `process.env.TZ = ...`
// in a test never reaches Node. This class runs outside the sandbox, sets the real TZ (Node re-reads
// the zone on assignment) for the file and restores it afterwards.
"use strict";
const { TestEnvironment } = require("jest-environment-node");

class TimeZoneEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.timeZone = config.projectConfig.testEnvironmentOptions.timeZone;
    if (typeof this.timeZone !== "string") throw new Error("time-zone-environment: set @jest-environment-options {\"timeZone\": \"...\"}");
  }

  async setup() {
    await super.setup();
    this.previousTimeZone = process.env.TZ;
    process.env.TZ = this.timeZone;
    this.global.process.env.TZ = this.timeZone;
  }

  async teardown() {
    if (this.previousTimeZone === undefined) delete process.env.TZ;
    else process.env.TZ = this.previousTimeZone;
    await super.teardown();
  }
}

module.exports = TimeZoneEnvironment;
