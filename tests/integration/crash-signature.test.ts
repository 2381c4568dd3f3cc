/**
 * The grouping rule on real container logs of real Node deaths (tests/support/crash-logs.ts), on every
 * official Node build the tests use: each kind is told apart, the same crash after a redeploy (its code
 * moved down) has the same signature, and two different errors in one function do not.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crashFacts, crashSignature } from "../../src/crashlog/crash-signature.js";
import { crashFromLog } from "../../src/crashlog/log-crash.js";
import { type CrashLog, realCrashLogs } from "../support/crash-logs.js";

const VERSIONS = ["18.20.4", "20.20.2", "22.22.0", "24.11.0", "26.12.1"];

function signatureOf(log: CrashLog) {
  const crash = crashFromLog(log.log);
  return crashSignature(crash && crashFacts(crash), { signalName: log.signalName, exe: "node" });
}

for (const version of VERSIONS) {
  describe(`crash signatures from the logs of Node ${version}`, () => {
    const logs = () => realCrashLogs(version);
    const named = async (name: string) => {
      const log = (await logs()).find((item) => item.name === name);
      assert.ok(log, name);
      return log;
    };

    it("names the kind of every death", async () => {
      for (const log of await logs()) {
        assert.equal(signatureOf(log).kind, log.kind, `${log.name}:\n${log.log}`);
      }
    });

    it("titles an uncaught exception by its error and the app's first frame, in both formats", async () => {
      const expected = "TypeError: res.not_a_function is not a function at myRequestListener (app.js)";
      assert.equal(signatureOf(await named("uncaught-abort-a")).title, expected);
      assert.equal(signatureOf(await named("uncaught-plain-a")).title, expected);
      assert.equal(
        signatureOf(await named("uncaught-abort-b")).title,
        "TypeError: Cannot read properties of undefined (reading 'name') at myRequestListener (app.js)",
      );
    });

    it("keeps the signature of a crash whose code moved, and tells two errors of one function apart", async () => {
      const a = signatureOf(await named("uncaught-abort-a"));
      assert.equal(signatureOf(await named("uncaught-abort-a-moved")).signature, a.signature);
      assert.notEqual(signatureOf(await named("uncaught-abort-b")).signature, a.signature);
      const rejection = signatureOf(await named("rejection-a"));
      assert.equal(signatureOf(await named("rejection-a-moved")).signature, rejection.signature);
      assert.notEqual(rejection.signature, a.signature, "a rejection is not an uncaught exception");
      assert.match(rejection.text, /myRequestListener \(app\/app\.js\)\nserve \(app\/app\.js\)/);
      assert.doesNotMatch(rejection.text, /node:|:\d+:\d+/, "no internals, no positions");
    });

    it("reads heap exhaustion, aborts and native faults, which print no error", async () => {
      const oom = signatureOf(await named("oom"));
      assert.match(oom.title, /^out of memory: .*heap out of memory/);
      const abort = signatureOf(await named("abort"));
      assert.equal(abort.kind, "abort");
      const segv = await named("segv");
      assert.equal(crashFromLog(segv.log), undefined, "a SIGSEGV prints nothing");
      assert.equal(signatureOf(segv).title, "SIGSEGV in node");
    });
  });
}
