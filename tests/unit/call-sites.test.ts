import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { followsCall } from "../../src/native-stack/call-sites.js";

/** Little-endian 32-bit instructions, as arm64 code holds them. */
function arm64(...instructions: number[]): Buffer {
  const bytes = Buffer.alloc(4 * instructions.length);
  instructions.forEach((instruction, index) => {
    bytes.writeUInt32LE(instruction, 4 * index);
  });
  return bytes;
}

describe("a return address follows a call", () => {
  it("arm64: bl (its top bit set, as every bl is), blr and blraa; not a nop or a branch without link", () => {
    // The 8 bytes before a return address into node::Assert's caller, read from node 20.20.2's arm64 build.
    assert.equal(followsCall("aarch64", Buffer.from("1a4ffb971153fb97", "hex")), true);
    assert.equal(followsCall("aarch64", arm64(0xd503201f, 0xd63f0060)), true); // blr x3
    assert.equal(followsCall("aarch64", arm64(0xd503201f, 0xd73f0860)), true); // blraa x3, x0
    assert.equal(followsCall("aarch64", Buffer.from("007d20d41f2003d5", "hex")), false); // … nop
    assert.equal(followsCall("aarch64", arm64(0xd503201f, 0x17fffffe)), false); // b .-8
  });

  it("x86-64: call rel32 and call through a register or memory; not a jump", () => {
    assert.equal(followsCall("x86_64", Buffer.from("909090e810203040", "hex")), true); // call rel32
    assert.equal(followsCall("x86_64", Buffer.from("909090909090ffd0", "hex")), true); // call rax
    assert.equal(followsCall("x86_64", Buffer.from("9090ff1500000000", "hex")), true); // call [rip+0]
    assert.equal(followsCall("x86_64", Buffer.from("909090e910203040", "hex")), false); // jmp rel32
  });
});
