/**
 * The demangler against binutils' c++filt, on every C++ function name of the node executable that runs
 * these tests: each name it writes is c++filt's, character for character, and it writes most of them.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { demangle } from "../../src/native-stack/demangle.js";

function mangledNames(executable: string): string[] {
  const listing = (args: string[]) =>
    execFileSync("nm", [...args, "--defined-only", executable], { maxBuffer: 1 << 28 }).toString();
  // The dynamic table is there even in a stripped build; the full table where it was kept.
  const text = `${listing(["-D"])}\n${listing([])}`;
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const name = line.split(" ")[2];
    if (name?.startsWith("_Z")) names.add(name);
  }
  return [...names];
}

describe("demangle", () => {
  const names = mangledNames(process.execPath);
  const written = execFileSync("c++filt", [], { input: names.join("\n"), maxBuffer: 1 << 28 })
    .toString()
    .split("\n");

  it("writes each name as c++filt does, or not at all", () => {
    assert.ok(names.length > 1000, `${names.length} C++ names in ${process.execPath}`);
    const wrong: string[] = [];
    names.forEach((name, index) => {
      const ours = demangle(name);
      if (ours !== undefined && ours !== written[index]) wrong.push(`${name}: ${ours} / ${written[index]}`);
    });
    assert.deepEqual(wrong.slice(0, 10), []);
  });

  it("writes at least half of them", () => {
    const covered = names.filter((name) => demangle(name) !== undefined).length;
    assert.ok(covered >= names.length / 2, `${covered} of ${names.length}`);
  });

  it("leaves what is not a C++ name alone", () => {
    for (const name of ["main", "_Z", "_ZN4node", "_Z3foo.", "_ZN3foo17h0123456789abcdefE"])
      assert.equal(demangle(name), undefined, name);
  });
});
