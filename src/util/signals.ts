import { constants } from "node:os";

/**
 * Signal names both ways, one table for every command and JSON document. The platform's table
 * (`os.constants.signals`) gives some numbers two names; a reverse lookup that keeps the last one turns
 * 6 into SIGIOT. The names people use (`kill -l`, coredumpctl, the kernel's messages) win here; the
 * other names are still understood as input.
 */
const ALIASES: Readonly<Record<string, string>> = {
  SIGIOT: "SIGABRT",
  SIGPOLL: "SIGIO",
  SIGUNUSED: "SIGSYS",
  SIGCLD: "SIGCHLD",
};

const NUMBERS = new Map<string, number>(Object.entries(constants.signals));
const NAMES = new Map<number, string>();
for (const [name, number] of NUMBERS) {
  if (!(name in ALIASES) && !NAMES.has(number)) NAMES.set(number, name);
}

/** `SIGABRT` for 6; undefined for a number the platform has no name for (0 included). */
export function signalName(signal: number | undefined): string | undefined {
  return signal === undefined ? undefined : NAMES.get(signal);
}

/** 6 for `SIGABRT`, `abrt`, `SIGIOT` or `iot`; undefined for a word that names no signal. */
export function signalNumber(word: string): number | undefined {
  const upper = word.toUpperCase();
  return NUMBERS.get(upper.startsWith("SIG") ? upper : `SIG${upper}`);
}
