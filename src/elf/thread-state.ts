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
  /** Its stack pointer and frame pointer (rsp and rbp, sp and x29), where the layout is known. */
  sp?: number;
  fp?: number;
  /** Its thread pointer (x86_64's fs_base), which locates its thread-local variables. */
  threadPointer?: number;
  /**
   * The address the faulting access touched (`si_addr` of SIGSEGV, SIGBUS, SIGILL, SIGFPE), where the kernel
   * sent the signal; absent when a handler sent it again itself (`si_code` SI_TKILL, as Node's does).
   */
  address?: number;
}

/** `elf_prstatus` of 64-bit Linux: pr_cursig at 12, the registers at 112; the PC's slot by machine. */
const REGISTER_SLOTS: Record<string, { pc: number; sp: number; fp: number; threadPointer?: number }> = {
  x86_64: { pc: 16, sp: 19, fp: 4, threadPointer: 21 },
  aarch64: { pc: 32, sp: 31, fp: 29 },
};
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
  const slots = REGISTER_SLOTS[machine];
  const register = (slot: number | undefined) => {
    const at = slot === undefined ? undefined : REGISTERS_AT + slot * 8;
    return at !== undefined && at + 8 <= status.desc.length ? view.u64(at) : undefined;
  };
  for (const name of ["pc", "sp", "fp", "threadPointer"] as const) {
    const value = register(slots?.[name]);
    if (value !== undefined) state[name] = value;
  }
  const siginfo = notes.find((note) => note.name === "CORE" && note.type === NT_SIGINFO);
  if (siginfo && siginfo.desc.length >= 24 && ADDRESS_SIGNALS.has(state.signal)) {
    const info = new ByteView(siginfo.desc, littleEndian, true);
    const fromKernel = info.bytes.readInt32LE(8) > 0;
    if (fromKernel) state.address = info.u64(16);
  }
  return state;
}
