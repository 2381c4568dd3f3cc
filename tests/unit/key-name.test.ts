import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classifyKey,
  hostAndExeAmbiguous,
  parseStem,
  possibleHostsAndExes,
  splitHostAndExe,
} from "../../src/catalog/key-name.js";

const NAME = "2fd506c1-4030-4b91-a37e-0242941273d7-dump-1588462466-crashing-app-699c49b4ff-86wrh-node-10-4";

describe("classifyKey", () => {
  it("knows every object of the loose layout", () => {
    assert.deepEqual(classifyKey(`${NAME}.core.gz`), {
      folder: "",
      stem: NAME,
      role: "core",
      compression: "gzip",
    });
    assert.deepEqual(classifyKey(`${NAME}.core`), {
      folder: "",
      stem: NAME,
      role: "core",
      compression: "none",
    });
    assert.equal(classifyKey(`${NAME}-dump-info.json`)?.role, "dump-info");
    assert.equal(classifyKey(`${NAME}-image-info.json`)?.role, "image-info");
    assert.equal(classifyKey(`${NAME}-runtime-info.json`)?.stem, NAME);
  });

  it("keeps the folder of prefixed keys apart from the stem", () => {
    assert.deepEqual(classifyKey(`cores/shop/${NAME}.zip`), {
      folder: "cores/shop/",
      stem: NAME,
      role: "zip",
      compression: "zip",
    });
  });

  it("names the compression of the oldest cores", () => {
    assert.equal(classifyKey("dump-1588462466-host-node-10-4.core.lz4")?.compression, "lz4");
    assert.equal(classifyKey("dump-1588462466-host-node-10-4.core.lzo")?.compression, "lzo");
  });

  it("ignores objects that belong to no dump", () => {
    assert.equal(classifyKey("README.md"), undefined);
    assert.equal(classifyKey("folder/"), undefined);
    assert.equal(classifyKey(".zip"), undefined);
  });
});

describe("parseStem", () => {
  it("reads the default template", () => {
    assert.deepEqual(parseStem(NAME), {
      uuid: "2fd506c1-4030-4b91-a37e-0242941273d7",
      timestamp: 1588462466,
      hostname: "crashing-app-699c49b4ff-86wrh",
      exe: "node",
      pid: 10,
      signal: 4,
    });
  });

  it("reads the uuid-less names of handler 1.0", () => {
    assert.deepEqual(parseStem("dump-1588462466-web-5d8f7-x2kq9-nginx-7-11"), {
      timestamp: 1588462466,
      hostname: "web-5d8f7-x2kq9",
      exe: "nginx",
      pid: 7,
      signal: 11,
    });
  });

  it("finds the uuid in a custom template", () => {
    assert.deepEqual(parseStem("shop-2FD506C1-4030-4b91-a37e-0242941273d7-core"), {
      uuid: "2fd506c1-4030-4b91-a37e-0242941273d7",
    });
    assert.deepEqual(parseStem("something-else"), {});
  });
});

describe("a hostname and an executable that both hold hyphens", () => {
  const hyphenated =
    "2fd506c1-4030-4b91-a37e-0242941273d7-dump-1588462466-my-node-app-7d9c8b6f5-p3q4r-my-node-app-10-4";

  it("are split where the hostname read from the dump's JSON ends", () => {
    assert.deepEqual(parseStem(hyphenated, "my-node-app-7d9c8b6f5-p3q4r"), {
      uuid: "2fd506c1-4030-4b91-a37e-0242941273d7",
      timestamp: 1588462466,
      hostname: "my-node-app-7d9c8b6f5-p3q4r",
      exe: "my-node-app",
      pid: 10,
      signal: 4,
    });
    // A hostname read that does not begin the name (a pod with its own hostname) leaves the guess.
    assert.equal(parseStem(hyphenated, "other-pod").exe, "app");
    assert.equal(parseStem(hyphenated, "my-node-app-7d9c8b6f5-p3q4r-my-node-app").exe, "app");
  });

  it("are ambiguous until what was read decides them", () => {
    assert.equal(hostAndExeAmbiguous(hyphenated), true);
    assert.equal(hostAndExeAmbiguous(hyphenated, "unknown"), true);
    assert.equal(hostAndExeAmbiguous(hyphenated, "my-node-app-7d9c8b6f5-p3q4r"), false);
    assert.equal(hostAndExeAmbiguous("dump-1588462466-web-node-7-11"), false);
    assert.equal(hostAndExeAmbiguous("shop-2fd506c1-4030-4b91-a37e-0242941273d7-core"), false);
  });

  it("can be split in every place a filter on the name alone must try", () => {
    assert.deepEqual(possibleHostsAndExes("dump-1588462466-a-b-c-7-11"), [
      { hostname: "a", exe: "b-c" },
      { hostname: "a-b", exe: "c" },
    ]);
    assert.deepEqual(possibleHostsAndExes("something-else"), []);
  });
});

describe("splitHostAndExe", () => {
  it("splits after the pod's random suffix when the executable has hyphens", () => {
    assert.deepEqual(splitHostAndExe("crashing-app-699c49b4ff-86wrh-my-server"), {
      hostname: "crashing-app-699c49b4ff-86wrh",
      exe: "my-server",
    });
  });

  it("takes the last part as the executable when no suffix is recognisable", () => {
    assert.deepEqual(splitHostAndExe("my-host-node"), { hostname: "my-host", exe: "node" });
    assert.deepEqual(splitHostAndExe("node"), { hostname: "node", exe: "node" });
  });
});
