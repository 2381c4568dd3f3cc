import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { folderName } from "../../src/workspace/dump-folder.js";
import { nameTooLong, shortName, shortNames, UnsafeNameError } from "../../src/workspace/entry-names.js";

const STEM = "2fd506c1-4030-4b91-a37e-0242941273d7-dump-1631477784-app-1-node-8-4";

describe("shortNames", () => {
  it("drops the dump's long name", () => {
    assert.equal(shortName(`${STEM}-dump-info.json`, STEM), "dump-info.json");
    assert.equal(shortName(`${STEM}-0-proc/maps`, STEM), "0-proc/maps");
    assert.equal(shortName("other-name.json", STEM), "other-name.json");
  });

  it("numbers repeated container files in order of appearance instead of overwriting", () => {
    const names = [
      `${STEM}-0.log`,
      `${STEM}-0-image-info.json`,
      `${STEM}-0.log`,
      `${STEM}-0-image-info.json`,
      `${STEM}-x.json`,
      `${STEM}-x.json`,
    ];
    assert.deepEqual(shortNames(names, STEM), [
      "0.log",
      "0-image-info.json",
      "1.log",
      "1-image-info.json",
      "x.json",
      "x.json.2",
    ]);
  });

  it("refuses names that would leave the folder", () => {
    for (const name of ["../evil", "/etc/passwd", `${STEM}-0-proc/../../x`, "a\\b", "a//b", "./a"]) {
      assert.throws(() => shortName(name, STEM), UnsafeNameError, name);
    }
  });
});

describe("folderName", () => {
  it("keeps plain ids and hashes anything that could be a path", () => {
    assert.equal(folderName("2fd506c1-4030-4b91-a37e-0242941273d7"), "2fd506c1-4030-4b91-a37e-0242941273d7");
    assert.equal(folderName("dump-1588462466-web-1-4"), "dump-1588462466-web-1-4");
    for (const id of ["..", ".", "../x", "a/b", "", ".hidden", "a..b"])
      assert.match(folderName(id), /^dump-[0-9a-f]{16}$/, id);
  });
});

describe("nameTooLong", () => {
  const dir = "/home/someone/work/2fd506c1-4030-4b91-a37e-0242941273d7";
  it("takes a name that fits with its temporary suffix, and refuses one byte more", () => {
    const suffix = ".0123456789ab.partial".length;
    assert.equal(nameTooLong(dir, "a".repeat(255 - suffix)), undefined);
    assert.match(nameTooLong(dir, "a".repeat(256 - suffix)) ?? "", /longer than a file name may be/);
    assert.match(nameTooLong(dir, `${"a".repeat(300)}/x`) ?? "", /longer than a file name may be/);
    // Bytes, not characters: 100 three-byte characters are 300 bytes.
    assert.match(nameTooLong(dir, "€".repeat(100)) ?? "", /longer than a file name may be/);
  });
  it("refuses a path past PATH_MAX made of parts that each fit", () => {
    assert.equal(nameTooLong(dir, `${"d".repeat(200)}/x.json`), undefined);
    assert.match(
      nameTooLong(dir, `${`${"d".repeat(200)}/`.repeat(21)}x.json`) ?? "",
      /longer than a path may be/,
    );
  });
});
