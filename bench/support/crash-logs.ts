/**
 * Container logs for the benchmark's zips, in the formats Node prints (see the real ones the tests make,
 * tests/support/crash-logs.ts): a handful of bugs, one of them most of the crashes, as a crash-looping
 * deployment makes. Line numbers and pids vary from dump to dump, as redeploys move them.
 */
import { randomInt } from "node:crypto";

type Bug = (line: number, pid: number) => string;

const APP_LINES = (pid: number) => [
  `Server running at http://0.0.0.0:3000/ (pid ${pid})`,
  "GET /healthz 200 1ms",
  "GET /api/cart 200 12ms",
];

const BUGS: Bug[] = [
  (line) =>
    [
      "Uncaught TypeError: res.not_a_function is not a function",
      "",
      "FROM",
      `Server.myRequestListener (/app/server.js:${line}:7)`,
      "Server.emit (node:events:524:28)",
      "parserOnIncoming (node:_http_server:1139:12)",
    ].join("\n"),
  (line) =>
    [
      "Uncaught TypeError: Cannot read properties of undefined (reading 'profile')",
      "",
      "FROM",
      `Server.myRequestListener (/app/server.js:${line + 2}:19)`,
      "Server.emit (node:events:524:28)",
    ].join("\n"),
  (line) =>
    [
      `/app/lib/orders.js:${line}`,
      '    throw new RangeError("order " + id + " has no lines");',
      "    ^",
      "",
      `RangeError: order ${randomInt(10_000)} has no lines`,
      `    at priceOf (/app/lib/orders.js:${line}:11)`,
      `    at checkout (/app/lib/orders.js:${line + 20}:5)`,
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "",
      "Node.js v22.22.0",
      "----- Native stack trace -----",
      "",
      " 1: 0xfa1094  [/usr/local/bin/node]",
      "",
      "----- JavaScript stack trace -----",
      "",
      "1: throwUnhandledRejectionsMode (node:internal/process/promises:394:5)",
      "",
    ].join("\n"),
  (_, pid) =>
    [
      "<--- Last few GCs --->",
      "",
      `[${pid}:0x39b8e000]   448 ms: Mark-Compact 19.3 (28.3) -> 18.5 (35.3) MB, pooled: 0 MB, 87.59 / 0.00 ms`,
      "",
      "<--- JS stacktrace --->",
      "",
      "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
      "----- Native stack trace -----",
      "",
      " 1: 0xe40d24 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [/usr/local/bin/node]",
      "",
    ].join("\n"),
  () => "",
];

/** How often each bug kills: the first most of the time. */
const WEIGHTS = [60, 15, 12, 8, 5];

/** A log as `crictl logs --tail 500` keeps it: some requests served, then the death. */
export function crashLog(): string {
  const pid = randomInt(1, 4_000_000);
  let draw = randomInt(WEIGHTS.reduce((sum, weight) => sum + weight, 0));
  let bug = 0;
  while (draw >= (WEIGHTS[bug] ?? 0)) draw -= WEIGHTS[bug++] ?? 0;
  return `${[...APP_LINES(pid), (BUGS[bug] as Bug)(8 + randomInt(4), pid)].join("\n")}\n`;
}
