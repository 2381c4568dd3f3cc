import type { Evidence, Sign } from "../evidence.js";
import { abort } from "./abort.js";
import { fatalError } from "./fatal-error.js";
import { isCoresOwn, type Kind, type KindRule } from "./kind.js";
import { nativeFault } from "./native-fault.js";
import { outOfMemory } from "./out-of-memory.js";
import { snapshot } from "./snapshot.js";
import { uncaughtException } from "./uncaught-exception.js";
import { unhandledRejection } from "./unhandled-rejection.js";

/**
 * The most specific first: where two kinds are seen by as many sources, and as many of those are the core's
 * own, the earlier wins.
 */
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
 * from two at least: one source alone (a SIGABRT, one line of text) decides nothing. A tie is broken by the
 * core's own sources (its native frames and text), which the dump's metadata and log cannot forge: a
 * signal of 6 in dump-info and a log that claims heap exhaustion do not outweigh a core that holds an
 * uncaught TypeError.
 */
export function classify(evidence: Evidence): Classification {
  let best: { rule: KindRule; signs: Sign[]; sources: number; own: number } | undefined;
  for (const rule of RULES) {
    const signs = rule.signs(evidence);
    const sources = new Set(signs.map((sign) => sign.source));
    const own = [...sources].filter(isCoresOwn).length;
    if (
      sources.size < 2 ||
      (best && (sources.size < best.sources || (sources.size === best.sources && own <= best.own)))
    )
      continue;
    best = { rule, signs, sources: sources.size, own };
  }
  return best ? { kind: best.rule.kind, signs: best.signs } : { kind: "unknown", signs: [] };
}
