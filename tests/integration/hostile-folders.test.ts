import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump } from "../support/cli.js";
import { placeholderDumpSuite } from "../support/hostile-dump.js";
import { asNobody, assertOneLine, canUnshare, isRoot, withReadOnly } from "../support/one-line.js";

describe("hostile #6, #12: working folders that are links, files, read-only or not ours", () => {
  const suite = placeholderDumpSuite();
  const spec = suite.spec;

  it("#6 a <workdir>/<id> that is a symbolic link is refused; what it points at is untouched", async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const victim = await mkdtemp(path.join(tmpdir(), "coredump-victim-"));
    await chmod(victim, 0o755);
    await writeFile(path.join(victim, "core"), "someone's file");
    await writeFile(path.join(victim, "notes.partial"), "someone's draft");
    await symlink(victim, path.join(work, spec.uuid));
    const result = await coredump(["fetch", spec.uuid, "--workdir", work, ...suite.args()]);
    assertOneLine(result, /is a symbolic link: .*remove the link or use another --workdir/);
    assert.equal((await stat(victim)).mode & 0o777, 0o755);
    assert.deepEqual((await readdir(victim)).sort(), ["core", "notes.partial"]);
  });

  it("#12 --workdir naming a file", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "coredump-work-")), "a-file");
    await writeFile(file, "");
    const result = await coredump(["fetch", spec.uuid, "--workdir", file, ...suite.args()]);
    assertOneLine(result, /a-file is a file, not a folder: give --workdir a folder/);
  });

  it("#12 --workdir on a read-only mount", { skip: !canUnshare && "no mount namespace here" }, async () => {
    const ro = await mkdtemp(path.join(tmpdir(), "coredump-ro-"));
    const result = await withReadOnly(ro, [
      "fetch",
      spec.uuid,
      "--workdir",
      path.join(ro, "work"),
      ...suite.args(),
    ]);
    assertOneLine(result, /is on a read-only file system: give --workdir a writable folder/);
  });

  it("#12 --workdir in a folder this user may not write", {
    skip: !isRoot && "needs root to become nobody",
  }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    await chmod(work, 0o755);
    const result = await asNobody(
      ["fetch", spec.uuid, "--workdir", path.join(work, "sub"), ...suite.args()],
      {
        XDG_CACHE_HOME: work,
      },
    );
    assertOneLine(result, /is not writable by this user: give --workdir a folder you can write/);
  });

  for (const [what, binary, pattern] of [
    ["missing", "/nonexistent/node", /--binary \/nonexistent\/node: no such file; give the path/],
    ["a folder", "/usr", /--binary \/usr: that is a folder, not a file/],
  ] as const) {
    it(`#12 --binary ${what}`, async () => {
      const work = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
      const result = await coredump([
        "fetch",
        spec.uuid,
        "--workdir",
        work,
        "--dir",
        suite.args()[1] as string,
        "--binary",
        binary,
      ]);
      assertOneLine(result, pattern);
    });
  }

  it("#12 capture --dir on a read-only mount", {
    skip: !canUnshare && "no mount namespace here",
  }, async () => {
    const ro = await mkdtemp(path.join(tmpdir(), "coredump-ro-"));
    await mkdir(path.join(ro, "x"), { recursive: true });
    const result = await withReadOnly(ro, ["capture", String(suite.pid()), "--dir", ro]);
    assertOneLine(result, /is on a read-only file system: give --dir a writable folder/);
  });
});
