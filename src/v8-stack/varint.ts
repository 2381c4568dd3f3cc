/** An unsigned variable-length number (7 bits a byte, lowest first), as V8 writes its tables; at most 35 bits. */
export function readVlq(bytes: Uint8Array, reader: { at: number }): number | undefined {
  let value = 0;
  let multiplier = 1;
  for (let shift = 0; shift < 35; shift += 7) {
    if (reader.at >= bytes.length) return undefined;
    const byte = bytes[reader.at++] as number;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return value;
  }
  return undefined;
}
