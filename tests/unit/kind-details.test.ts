import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorStack } from "../../src/debuggers/llnode-output.js";
import { NT_PRSTATUS, NT_SIGINFO, parseFaultState } from "../../src/elf/thread-state.js";
import { parseFindJsObjects } from "../../src/report/llnode-heap.js";

function prstatus(signal: number, pc: bigint, pcSlot: number): Buffer {
  const desc = Buffer.alloc(400);
  desc.writeUInt16LE(signal, 12);
  desc.writeBigUInt64LE(pc, 112 + pcSlot * 8);
  return desc;
}

function siginfo(signal: number, code: number, address: bigint): Buffer {
  const desc = Buffer.alloc(128);
  desc.writeInt32LE(signal, 0);
  desc.writeInt32LE(code, 8);
  desc.writeBigUInt64LE(address, 16);
  return desc;
}

describe("the crashed thread's state", () => {
  it("reads the signal, the program counter by machine, and the address the kernel reported", () => {
    const status = prstatus(11, 0x7f200ba1e145n, 16);
    status.writeBigUInt64LE(0x7ffd0000n, 112 + 19 * 8);
    status.writeBigUInt64LE(0x7ffd0040n, 112 + 4 * 8);
    status.writeBigUInt64LE(0x7f0000001000n, 112 + 21 * 8);
    const notes = [
      { name: "CORE", type: NT_PRSTATUS, desc: status },
      { name: "CORE", type: NT_SIGINFO, desc: siginfo(11, 1, 0x10n) },
    ];
    assert.deepEqual(parseFaultState(notes, "x86_64", true), {
      signal: 11,
      pc: 0x7f200ba1e145,
      sp: 0x7ffd0000,
      fp: 0x7ffd0040,
      threadPointer: 0x7f0000001000,
      address: 0x10,
    });
    const armStatus = prstatus(7, 0x4000n, 32);
    armStatus.writeBigUInt64LE(0xfff0n, 112 + 31 * 8);
    const arm = [{ name: "CORE", type: NT_PRSTATUS, desc: armStatus }];
    assert.deepEqual(parseFaultState(arm, "aarch64", true), { signal: 7, pc: 0x4000, sp: 0xfff0, fp: 0 });
  });

  it("gives no address for a signal a handler sent again itself (SI_TKILL), nor a PC for an unknown machine", () => {
    const notes = [
      { name: "CORE", type: NT_PRSTATUS, desc: prstatus(11, 0x1234n, 16) },
      { name: "CORE", type: NT_SIGINFO, desc: siginfo(11, -6, 22219n) },
    ];
    assert.deepEqual(parseFaultState(notes, "x86_64", true), {
      signal: 11,
      pc: 0x1234,
      sp: 0,
      fp: 0,
      threadPointer: 0,
    });
    assert.deepEqual(parseFaultState(notes, "riscv64", true), { signal: 11 });
    assert.equal(parseFaultState([], "x86_64", true), undefined);
  });
});

describe("llnode's heap and error output", () => {
  it("reads findjsobjects' rows by bytes, leaving out the unnamed row", () => {
    const output = [
      " Instances  Total Size Name",
      " ---------- ---------- ----",
      "    1602386   40825960 ",
      "     159001    8904024 Session",
      "    1123784   20387608 (String)",
      "          1         24 AbortError",
    ].join("\n");
    assert.deepEqual(parseFindJsObjects(output), [
      { name: "(String)", count: 1123784, bytes: 20387608 },
      { name: "Session", count: 159001, bytes: 8904024 },
      { name: "AbortError", count: 1, bytes: 24 },
    ]);
  });

  it("finds an error's captured stack, or the string its formatted stack is in", () => {
    const captured =
      "0x1:<Object: TypeError properties {\n  error stack {\n    handle at /app/a.js:9:15\n     at node:x:1:2\n  }\n}>";
    assert.deepEqual(errorStack(captured, "TypeError").frames, [
      { function: "handle", file: "/app/a.js", line: 9, column: 15 },
      { function: "", file: "node:x", line: 1, column: 2 },
    ]);
    const formatted =
      '0x1:<Object: TypeError properties {\n    .Symbol()=0x391bf3124cb1:<String: "TypeError: Canno...">,\n    .message=0x2:<String: "Cannot read prop...">}>';
    assert.deepEqual(errorStack(formatted, "TypeError"), { frames: [], stringAddress: "0x391bf3124cb1" });
  });
});
