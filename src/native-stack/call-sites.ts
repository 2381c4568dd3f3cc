/**
 * Whether the instruction that ends where `before` ends is a call: a word on the stack that points just
 * past a call is a return address, which is how a stack is scanned without unwind information.
 */
export function followsCall(machine: string, before: Buffer): boolean {
  if (machine === "x86_64") return followsX64Call(before);
  if (machine === "aarch64") return followsArm64Call(before);
  return false;
}

/** Bytes a caller must read before a return address for followsCall: x86-64's longest call is 7. */
export const CALL_BYTES = 8;

/** `call rel32` (E8), or `call r/m64` (FF /2) in any of its lengths (2 to 7 bytes, REX prefix before it). */
function followsX64Call(before: Buffer): boolean {
  const end = before.length;
  if (end >= 5 && before[end - 5] === 0xe8) return true;
  for (let length = 2; length <= 7 && length <= end; length++) {
    if (before[end - length] !== 0xff) continue;
    const modrm = before[end - length + 1] ?? 0;
    if (((modrm >> 3) & 7) === 2 && modrmCallLength(modrm, before[end - length + 2] ?? 0) === length)
      return true;
  }
  return false;
}

/** The length of `FF modrm …` from its ModRM byte (and SIB byte, whose base 5 under mod 0 adds a disp32). */
function modrmCallLength(modrm: number, sib: number): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 2;
  const sibBytes = rm === 4 ? 1 : 0;
  if (mod === 1) return 3 + sibBytes;
  if (mod === 2) return 6 + sibBytes;
  if (rm === 5) return 6;
  return 2 + sibBytes + (rm === 4 && (sib & 7) === 5 ? 4 : 0);
}

/** `bl`, `blr`, or a pointer-authenticated `blraa`/`blrab`/`blraaz`/`blrabz` just before. */
function followsArm64Call(before: Buffer): boolean {
  if (before.length < 4) return false;
  const instruction = before.readUInt32LE(before.length - 4);
  // `>>> 0`: JavaScript's `&` gives a signed 32-bit result, the encodings are written unsigned.
  return (
    (instruction & 0xfc000000) >>> 0 === 0x94000000 ||
    (instruction & 0xfffffc1f) >>> 0 === 0xd63f0000 ||
    (instruction & 0xfefff800) >>> 0 === 0xd63f0800
  );
}
