/** Fixed-width integers of an ELF file, in the file's own byte order and word size. */
export class ByteView {
  constructor(
    readonly bytes: Buffer,
    readonly littleEndian: boolean,
    readonly is64: boolean,
  ) {}

  u16(offset: number): number {
    return this.littleEndian ? this.bytes.readUInt16LE(offset) : this.bytes.readUInt16BE(offset);
  }

  u32(offset: number): number {
    return this.littleEndian ? this.bytes.readUInt32LE(offset) : this.bytes.readUInt32BE(offset);
  }

  /** A 64-bit value as a number: exact below 2^53, which covers user-space addresses and file offsets. */
  u64(offset: number): number {
    const value = this.littleEndian ? this.bytes.readBigUInt64LE(offset) : this.bytes.readBigUInt64BE(offset);
    return Number(value);
  }

  /** An address or size: 8 bytes in ELF64, 4 in ELF32. */
  word(offset: number): number {
    return this.is64 ? this.u64(offset) : this.u32(offset);
  }

  get wordSize(): number {
    return this.is64 ? 8 : 4;
  }
}

/** A NUL-terminated string inside a fixed-size field. */
export function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
}
