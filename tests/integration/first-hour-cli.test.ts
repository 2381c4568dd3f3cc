import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { execa } from "execa";
import { coredump, coredumpBinary, freshCacheHome, json, onDumpArgs } from "../support/cli.js";
import { crashDumps, crashSpec } from "../support/crash-dumps.js";
import { defaultSpec, looseDump, writeToDirectory } from "../support/handler-layout.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { realCore } from "../support/real-core.js";
import { TmuxSession } from "../support/tmux.js";

/** What bash offers after the words typed so far, with the script coredump prints. */
async function complete(words: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { stdout: script } = await coredump(["completion", "bash"]);
  const program = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _coredump; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execa("bash", ["-c", program], { env });
  return stdout.split("\n").filter(Boolean);
}

describe("the small things of the first hour", () => {
  let dumps: { dir: string; ids: string[] };

  before(async () => {
    dumps = await crashDumps([await realCore()], "stored-zip");
  });

  it("help list prints list's help, exit 0; an unknown command with --help, or after help, is an error, exit 2", async () => {
    const help = await coredump(["help", "list"]);
    assert.equal(help.exitCode, 0, help.stderr);
    assert.match(help.stdout, /^Usage: coredump list/);
    for (const args of [
      ["analyse", "--help"],
      ["--dir", "/tmp", "analyse", "-h"],
      ["help", "analyse"],
    ]) {
      const unknown = await coredump(args);
      assert.equal(unknown.exitCode, 2, unknown.stdout);
      assert.match(unknown.stderr, /unknown command 'analyse'/);
      assert.equal(unknown.stdout, "");
    }
  });

  it("every command's help has examples; capture's --dir is where the dump is written", async () => {
    const { stdout: global } = await coredump(["--help"]);
    const commands = global.split("Commands:")[1]?.split("\n\n")[0] ?? "";
    const verbs = [...commands.matchAll(/^ {2}([a-z]+)\b/gm)]
      .map((match) => match[1] ?? "")
      .filter((verb) => verb !== "help");
    assert.ok(verbs.length >= 10, global);
    for (const verb of verbs) {
      const { stdout } = await coredump([verb, "--help"]);
      assert.match(stdout, new RegExp(`^Examples:\n {2}coredump ${verb}`, "m"), `${verb} --help`);
    }
    const { stdout: capture } = await coredump(["capture", "--help"]);
    assert.match(capture, /--dir <dir> +write the dump into this folder/);
  });

  it("fetch ends with one hint of what to run next, on stderr, and none with --json", async () => {
    const id = dumps.ids[0] ?? "";
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const args = ["fetch", id, "--dir", dumps.dir, "--workdir", workdir, "--no-executable"];
    const human = await coredump(args);
    assert.equal(human.exitCode, 0, human.stderr);
    const hints = human.stderr.split("\n").filter((line) => line.includes("next:"));
    assert.deepEqual(hints, [
      `coredump: next: coredump report ${id} (what killed it), or coredump debug ${id} (llnode)`,
    ]);
    assert.ok(!human.stdout.includes("next:"));
    const machine = await coredump([...args, "--json"]);
    assert.equal(json<{ id: string }>(machine).id, id);
    assert.ok(!machine.stderr.includes("next:"), machine.stderr);
  });

  it("debug -q prints no plugin line; without -q it does", async () => {
    const crash = await realCore();
    const env = { LLNODE_PLUGIN: await projectLlnode() };
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const args = onDumpArgs("debug", dumps.ids[0] ?? "", { dir: dumps.dir, workdir, node: crash.node });
    const loud = await coredump([...args, "--batch", "-o", "v8 bt 1"], env);
    assert.equal(loud.exitCode, 0, loud.stderr);
    assert.match(loud.stderr, /llnode plugin: /);
    const quiet = await coredump([...args, "-q", "--batch", "-o", "v8 bt 1"], env);
    assert.equal(quiet.exitCode, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /llnode plugin: /);
  });

  it("times carry their zone; a capture is listed as captured, not as a signal", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    const captured = defaultSpec({ signal: 0, timestamp: 1_765_112_702 });
    await writeToDirectory(looseDump(captured), folder);
    const utc = await coredump(["list", "--dir", folder], { TZ: "UTC" });
    assert.match(
      utc.stdout,
      new RegExp(`${new Date(1_765_112_702_000).toISOString().slice(0, 10)} [\\d:]{8} UTC`),
    );
    assert.match(utc.stdout, /\bcaptured\b/);
    const india = await coredump(["list", "--dir", folder], { TZ: "Asia/Kolkata" });
    assert.match(india.stdout, / [\d:]{8} \+05:30 /);
    const info = await coredump(["info", captured.uuid, "--dir", folder]);
    assert.match(info.stdout, /signal +none: captured live/);
  });

  it("the groups table leads to a dump: its newest dump's short id, as list shows it", async () => {
    const list = await coredump(["list", "--dir", dumps.dir]);
    const shortId = list.stdout.split("\n")[1]?.split(/\s+/)[0] ?? "";
    assert.ok(dumps.ids[0]?.startsWith(shortId), list.stdout);
    const groups = await coredump(["groups", "--dir", dumps.dir]);
    assert.equal(groups.exitCode, 0, groups.stderr);
    const [header, row] = groups.stdout.split("\n");
    assert.match(header ?? "", /^NEWEST +COUNT/);
    assert.equal(row?.split(/\s+/)[0], shortId);
  });

  it("on an 80-column terminal, list clips long cells with … instead of wrapping them", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    const pod = "checkout-service-with-a-rather-long-deployment-name-7d9f8c6b5-x2x9q";
    const spec = defaultSpec({ namespace: "payments-and-checkout-production", pod, hostname: pod });
    await writeToDirectory(looseDump(spec), folder);
    const command = `stty cols 80; ${process.execPath} ${coredumpBinary()} list --dir ${folder}`;
    const session = await TmuxSession.start(["bash", "-c", command], {
      XDG_CACHE_HOME: freshCacheHome(),
      NO_COLOR: "1",
    });
    try {
      const screen = await session.waitFor(/^exit status 0$/m);
      const table = screen.split("\n").filter((line) => /^(ID|[0-9a-f]{8}) /.test(line));
      assert.equal(table.length, 2, screen);
      for (const line of table) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
      assert.match(table[1] ?? "", new RegExp(`^${spec.uuid.slice(0, 8)} .*…`));
    } finally {
      await session.kill();
    }
  });

  it("--dir naming a file: one line saying it is not a folder", async () => {
    const result = await coredump(["list", "--dir", "/etc/passwd"]);
    assert.equal(result.exitCode, 1);
    assert.equal(
      result.stderr,
      "coredump: /etc/passwd is a file, not a folder: give --dir the folder of dumps",
    );
  });

  it("a registry whose name does not resolve: check the network or DNS, not --insecure-registry", async () => {
    const crash = await realCore();
    const spec = crashSpec(crash, {
      repo: "registry.nowhere.invalid/team/app",
      tag: "v1",
      digest: `sha256:${"a".repeat(64)}`,
      id: `sha256:${"b".repeat(64)}`,
    });
    const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
    await writeToDirectory(looseDump(spec), folder);
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const result = await coredump(["fetch", spec.uuid, "--dir", folder, "--workdir", workdir, "--json"]);
    const line = result.stderr.split("\n").find((each) => each.includes("registry.nowhere.invalid ("));
    assert.match(line ?? result.stderr, /does not resolve; check the network and DNS/);
    assert.doesNotMatch(line ?? "", /insecure-registry/);
  });

  it("completion offers last and fetched ids only to verbs that take an id", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "coredump-work-"));
    const id = dumps.ids[0] ?? "";
    await coredump(["fetch", id, "--dir", dumps.dir, "--workdir", workdir, "--no-executable"]);
    const env = { COREDUMP_WORKDIR: workdir, HOME: workdir };
    assert.deepEqual(await complete(["coredump", "clean", "la"], env), []);
    assert.deepEqual(await complete(["coredump", "list", "la"], env), []);
    assert.deepEqual(await complete(["coredump", "report", "la"], env), ["last"]);
    assert.deepEqual(await complete(["coredump", "report", id.slice(0, 4)], env), [id]);
  });
});
