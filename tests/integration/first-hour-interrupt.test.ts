import assert from "node:assert/strict";
import { mkdtemp, readdir } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { coredumpBinary, coredumpProcess, freshCacheHome } from "../support/cli.js";
import { crashDumps } from "../support/crash-dumps.js";
import { kindCore } from "../support/kind-core.js";
import { projectLlnode } from "../support/llnode-plugin.js";
import { realCore } from "../support/real-core.js";
import { TmuxSession } from "../support/tmux.js";

/** A minute is generous for what ends in a second: it only tells a finished run from a hung one. */
const HANG = 60_000;

/** An S3 endpoint that accepts connections and never answers: a step that no signal reaches. */
async function silentEndpoint(): Promise<{
  endpoint: string;
  /** Resolves once coredump has connected: it is running, its handlers in place. */
  connected: Promise<void>;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let onConnection: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => {
    onConnection = resolve;
  });
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    onConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function silentStoreEnv(endpoint: string): Record<string, string> {
  return {
    S3_BUCKET_NAME: "cores",
    S3_ENDPOINT: endpoint,
    S3_ACCESS_KEY: "key",
    S3_SECRET: "secret",
    S3_REGION: "us-east-1",
  };
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + HANG;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the first Ctrl-C or SIGTERM ends the process", () => {
  let dumps: { dir: string; ids: string[] };
  let node: string;
  /**
   * A native fault: report asks gdb for its native frames (an uncaught exception or an abort it reads from the
   * core alone).
   */
  let faulted: { dumps: { dir: string; ids: string[] }; node: string };

  before(async () => {
    const crash = await realCore();
    node = crash.node;
    dumps = await crashDumps([crash], "stored-zip");
    const fault = await kindCore("native-fault", "22.22.0");
    faulted = { dumps: await crashDumps([fault], "stored-zip"), node: fault.node };
  });

  for (const [what, args, env] of [
    ["--workdir /proc/nope", ["--workdir", "/proc/nope"], {}],
    [
      "XDG_CACHE_HOME=/proc/nope",
      ["--workdir", "/tmp/coredump-first-hour-work"],
      { XDG_CACHE_HOME: "/proc/nope" },
    ],
  ] as const) {
    it(`fetch with ${what} ends by itself with one line naming the folder`, async () => {
      const running = coredumpProcess(["fetch", "last", "--dir", dumps.dir, ...args], env);
      const timer = setTimeout(() => running.kill("SIGKILL"), HANG);
      const result = await running;
      clearTimeout(timer);
      assert.equal(result.signal, undefined, "it hung and was killed");
      assert.equal(result.exitCode, 1, result.stderr);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(
        result.stderr,
        /^coredump: cannot create \/proc\/nope\/.*: give (--workdir|XDG_CACHE_HOME) another folder$/m,
      );
    });
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} ends a command stuck on a store that never answers: exit 130, one line`, async () => {
      const silent = await silentEndpoint();
      try {
        const running = coredumpProcess(["list"], silentStoreEnv(silent.endpoint));
        await silent.connected;
        running.kill(signal);
        const timer = setTimeout(() => running.kill("SIGKILL"), HANG);
        const result = await running;
        clearTimeout(timer);
        assert.equal(result.exitCode, 130, `${result.signal ?? ""} ${result.stderr}`);
        assert.deepEqual(result.stderr.trim().split("\n"), ["coredump: interrupted"]);
      } finally {
        await silent.close();
      }
    });
  }

  it("one Ctrl-C in a terminal ends fetch from a store that never answers", async () => {
    const silent = await silentEndpoint();
    const session = await TmuxSession.start(
      [
        process.execPath,
        coredumpBinary(),
        "fetch",
        "last",
        "--workdir",
        await mkdtemp(path.join(tmpdir(), "w-")),
      ],
      { ...silentStoreEnv(silent.endpoint), XDG_CACHE_HOME: freshCacheHome(), NO_COLOR: "1" },
    );
    try {
      await silent.connected;
      await session.press("C-c");
      const screen = await session.waitFor(/^exit status \d+$/m, HANG);
      // The terminal echoes the key as ^C.
      assert.match(screen, /^(\^C)?coredump: interrupted$/m);
      assert.match(screen, /^exit status 130$/m);
    } finally {
      await session.kill();
      await silent.close();
    }
  });

  it("interactive llnode: a hint of what to type, and Ctrl-C belongs to llnode, not coredump", async () => {
    const session = await TmuxSession.start(
      [process.execPath, coredumpBinary(), "debug", dumps.ids[0] ?? "", "--dir", dumps.dir, "--binary", node],
      {
        XDG_CACHE_HOME: freshCacheHome(),
        COREDUMP_WORKDIR: await mkdtemp(path.join(tmpdir(), "w-")),
        LLNODE_PLUGIN: await projectLlnode(),
        NO_COLOR: "1",
      },
    );
    try {
      const screen = await session.waitFor(/\(llnode\) $/m, 120_000);
      assert.match(screen, /^coredump: llnode: type v8 bt for the stack with JS frames/m);
      await session.press("C-c");
      // lldb drops what is typed while it redraws its prompt after ^C: wait for the prompt, and type quit
      // again while the session has not ended (it only matters that Ctrl-C did not end it).
      await session.waitFor(/\^C\s*\n\(llnode\) $/m, HANG);
      let end = "";
      for (let attempt = 0; attempt < 5 && !/^exit status \d+$/m.test(end); attempt++) {
        await session.type("quit");
        end = await session.waitFor(/^exit status \d+$/m, HANG / 5).catch(() => "");
      }
      end = await session.waitFor(/^exit status \d+$/m, HANG);
      assert.match(end, /^exit status 0$/m);
      assert.doesNotMatch(end, /coredump: interrupted/);
    } finally {
      await session.kill();
    }
  });

  it("one Ctrl-C in a terminal ends report while its debugger runs, and its temporary folder goes", async () => {
    const temp = await mkdtemp(path.join(tmpdir(), "coredump-tmp-"));
    const session = await TmuxSession.start(
      [
        process.execPath,
        coredumpBinary(),
        "report",
        faulted.dumps.ids[0] ?? "",
        "--dir",
        faulted.dumps.dir,
        "--binary",
        faulted.node,
      ],
      {
        TMPDIR: temp,
        XDG_CACHE_HOME: freshCacheHome(),
        COREDUMP_WORKDIR: await mkdtemp(path.join(tmpdir(), "w-")),
        LLNODE_PLUGIN: await projectLlnode(),
        NO_COLOR: "1",
      },
    );
    const debugFolders = async () =>
      (await readdir(temp)).filter((name) => name.startsWith("coredump-debug-"));
    try {
      await waitUntil(async () => (await debugFolders()).length > 0);
      await session.press("C-c");
      const screen = await session.waitFor(/^exit status \d+$/m, HANG);
      assert.match(screen, /^(\^C)?coredump: interrupted/m);
      assert.match(screen, /^exit status 130$/m);
      assert.deepEqual(await debugFolders(), []);
    } finally {
      await session.kill();
    }
  });
});
