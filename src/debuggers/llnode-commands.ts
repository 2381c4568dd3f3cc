/**
 * llnode commands that name a heap address. lldb evaluates the argument as a C expression, where a hex
 * literal that fits in 32 bits is an `unsigned int`, and llnode reads it as signed: an address below
 * 4 GiB with its top bit set (qemu-user puts arm64 heaps there) became 0xffffffff…, "Failed to load
 * pointer from v8 memory". The `UL` suffix makes every address 64 bits wide.
 */
export function inspectFullCommand(address: string): string {
  return `v8 inspect -F ${address}UL`;
}
