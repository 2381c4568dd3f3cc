import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { coredump, freshCacheHome, json } from "../support/cli.js";
import { writeToDirectory, zipDump } from "../support/handler-layout.js";
import { tutorialDump } from "../support/tutorial-dump.js";

interface FetchJson {
  executable: string | null;
  executableSource?: string;
}

/** Dates a cache entry, its folder and everything in it, as if last touched `days` ago. */
async function age(folder: string, days: number): Promise<void> {
  const then = new Date(Date.now() - days * 86_400_000);
  for (const name of await readdir(folder)) await utimes(path.join(folder, name), then, then);
  await utimes(folder, then, then);
}

describe("the executable cache and clean", () => {
  it("an executable used today survives clean --older-than 1d; one unused for ten days goes", async () => {
    const { spec } = await tutorialDump("20.20.2", "first-hour-cache");
    const dumps = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    await writeToDirectory(zipDump(spec), dumps);
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const env = { XDG_CACHE_HOME: freshCacheHome() };
    const fetch = () => coredump(["fetch", spec.uuid, "--dir", dumps, "--workdir", workdir, "--json"], env);

    const first = json<FetchJson>(await fetch());
    assert.equal(first.executableSource, "image");
    const executable = first.executable ?? "";
    const entry = path.dirname(executable);
    const unused = path.join(path.dirname(entry), "0123456789abcdef0123456789abcdef01234567");
    await mkdir(unused);
    await writeFile(path.join(unused, "node"), "an executable nobody asked for since");
    await age(entry, 10);
    await age(unused, 10);

    const again = json<FetchJson>(await fetch());
    assert.equal(again.executableSource, "cache");
    const clean = await coredump(["clean", "--older-than", "1d", "--workdir", workdir], env);
    assert.equal(clean.exitCode, 0, clean.stderr);
    assert.ok(existsSync(executable), `the executable used today was removed:\n${clean.stdout}`);
    assert.ok(!existsSync(unused), clean.stdout);
  });
});
