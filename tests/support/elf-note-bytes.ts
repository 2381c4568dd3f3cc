/** An ELF note as a core holds it: name size, desc size, type, then name and desc, each padded to 4 bytes. */
export function note(name: string, type: number, desc: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "latin1");
  const header = Buffer.alloc(12);
  header.writeUInt32LE(nameBytes.length, 0);
  header.writeUInt32LE(desc.length, 4);
  header.writeUInt32LE(type, 8);
  return Buffer.concat([header, pad4(nameBytes), pad4(desc)]);
}

export function pad4(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
}
