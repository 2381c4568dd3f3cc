import type { Evidence, Sign } from "../evidence.js";
import { abort } from "./abort.js";
import { fatalError } from "./fatal-error.js";
import type { Kind, KindRule } from "./kind.js";
import { nativeFault } from "./native-fault.js";
import { outOfMemory } from "./out-of-memory.js";
import { snapshot } from "./snapshot.js";
import { uncaughtException } from "./uncaught-exception.js";
import { unhandledRejection } from "./unhandled-rejection.js";

/** The most specific first: where two kinds are seen by as many sources, the earlier wins. */
const RULES: readonly KindRule[] = [
  outOfMemory,
  fatalError,
  unhandledRejection,
  uncaughtException,
  nativeFault,
  snapshot,
  abort,
];

export interface Classification {
  kind: Kind;
  signs: Sign[];
}

/**
 * The kind whose signs come from the most distinct sources (signal, native frames, core text, log), and
 * from two at least: one source alone (a SIGABRT, one line of text) decides nothing.
 */
export function classify(evidence: Evidence): Classification {
  let best: { rule: KindRule; signs: Sign[]; sources: number } | undefined;
  for (const rule of RULES) {
    const signs = rule.signs(evidence);
    const sources = new Set(signs.map((sign) => sign.source)).size;
    if (sources >= 2 && (!best || sources > best.sources)) best = { rule, signs, sources };
  }
  return best ? { kind: best.rule.kind, signs: best.signs } : { kind: "unknown", signs: [] };
}
