/**
 * A real core of a Node process whose heap is known (tests/fixtures/heap-app/app.js): N `Session`
 * instances as the values of a Map on the global object, M `Order` objects in an array that only a closure
 * holds, strings of every representation. The app writes Node's own heap snapshot of that moment
 * (`v8.writeHeapSnapshot()`), then aborts: the snapshot is what a reader of the core is checked against.
 *
 * Made once per (node version, app.js content) and cached under
 * `<repo>/.cache/fixtures/heap-<node version>-<sha256(app.js), 12 hex>/` as `core`, `node.heapsnapshot` and
 * `meta.json` (tests/support/script-core.ts).
 */
import { join } from "node:path";
import { runToCrash } from "./crash-core.js";
import { memoised } from "./memo.js";
import { scriptCore } from "./script-core.js";

export type HeapCore = {
  /** Path of the ELF core file (mode 0600, sparse). */
  core: string;
  /** Path of the node binary that ran and crashed (resolved through symlinks). */
  node: string;
  /** `process.version` of that binary, e.g. `v20.20.2`. */
  nodeVersion: string;
  pid: number;
  /** SIGABRT (6): the app ends with `process.abort()`. */
  signal: number;
  /** Node's own `.heapsnapshot`, written by the app right before it aborted. */
  snapshot: string;
  /** N: the `Session` instances in the Map `globalThis.sessions`. */
  sessions: number;
  /** M: the `Order` objects in the array that the closure `globalThis.countOrders` holds. */
  orders: number;
  /** What node printed on its way down (its native and JS stacks at the abort). */
  stderr: string;
};

/** The class names the app's heap is built of. */
export const HEAP_APP_CLASSES = { sessions: "Session", orders: "Order" } as const;

const SNAPSHOT = "node.heapsnapshot";

const obtainOnce = memoised(obtain);

/** The cached heap core for this node binary (default: the one running the tests), made on first use. */
export function heapCore(options: { node?: string } = {}): Promise<HeapCore> {
  return obtainOnce(options.node ?? process.execPath);
}

async function obtain(node: string): Promise<HeapCore> {
  const { entry, ...made } = await scriptCore({
    prefix: "heap",
    script: join("tests", "fixtures", "heap-app", "app.js"),
    node,
    alsoNeeded: [SNAPSHOT],
    crash: (binary, script, cwd) =>
      runToCrash({ node: binary, args: [script, SNAPSHOT], cwd, timeoutMs: 120_000 }),
    fields: (crash) => {
      const printed = /^(\{.*\})$/m.exec(crash.stdout)?.[1];
      if (crash.signal !== 6 || !printed)
        throw new Error(`heapCore: the heap app died of signal ${crash.signal} first:\n${crash.stderr}`);
      const { sessions, orders } = JSON.parse(printed) as { sessions: number; orders: number };
      return { sessions, orders, stderr: crash.stderr };
    },
  });
  return { ...made, snapshot: join(entry, SNAPSHOT) };
}
