import { ByteView } from "./byte-view.js";
import type { ElfNote } from "./notes.js";

export const NT_PRSTATUS = 1;
export const NT_SIGINFO = 0x53494749;

/** Where the crashed thread was: the one the kernel dumps first. */
export interface FaultState {
  /** The signal that killed the process (`pr_cursig`). */
  signal: number;
  /** Its program counter, where the machine's register layout is known (x86_64, aarch64). */
  pc?: number;
  /**
   * The address the faulting access touched (`si_addr` of SIGSEGV, SIGBUS, SIGILL, SIGFPE), where the kernel
   * sent the signal; absent when a handler sent it again itself (`si_code` SI_TKILL, as Node's does).
   */
  address?: number;
}

/** `elf_prstatus` of 64-bit Linux: pr_cursig at 12, the registers at 112; the PC's slot by machine. */
const PC_SLOT: Record<string, number> = { x86_64: 16, aarch64: 32 };
const REGISTERS_AT = 112;
const ADDRESS_SIGNALS = new Set([4, 7, 8, 11]);

export function parseFaultState(
  notes: readonly ElfNote[],
  machine: string,
  littleEndian: boolean,
): FaultState | undefined {
  const status = notes.find((note) => note.name === "CORE" && note.type === NT_PRSTATUS);
  if (!status || status.desc.length < REGISTERS_AT) return undefined;
  const view = new ByteView(status.desc, littleEndian, true);
  const state: FaultState = { signal: view.u16(12) };
  const slot = PC_SLOT[machine];
  const pcAt = slot === undefined ? undefined : REGISTERS_AT + slot * 8;
  if (pcAt !== undefined && pcAt + 8 <= status.desc.length) state.pc = view.u64(pcAt);
  const siginfo = notes.find((note) => note.name === "CORE" && note.type === NT_SIGINFO);
  if (siginfo && siginfo.desc.length >= 24 && ADDRESS_SIGNALS.has(state.signal)) {
    const info = new ByteView(siginfo.desc, littleEndian, true);
    const fromKernel = info.bytes.readInt32LE(8) > 0;
    if (fromKernel) state.address = info.u64(16);
  }
  return state;
}
