import type { OriginalFrame } from "../sourcemaps/source-maps.js";

/** A JS frame once the maps have been read: where it is in the code as written, and whether it is the team's. */
export interface MappedFields {
  original?: OriginalFrame;
  inApp?: boolean;
}

/** One frame as V8 or Node printed it; `function` is empty for an anonymous one (`2: /app/a.js:6:1`). */
export interface JsFrame extends MappedFields {
  function: string;
  file: string;
  line: number;
  column: number;
}

/**
 * Whether `name` is a function name as V8 prints it in a stack: a JS identifier path
 * (`Server.myRequestListener`, `Object.<anonymous>`, `process.processTicksAndRejections`, `Object..js`), optionally after
 * `new `, `async ` or an accessor's `get `/`set `, optionally ending in ` [as alias]`. Anything else in the
 * place of a name is other bytes of the core that ran into a copy of the text (`³E2=\dRejectionsMode`).
 */
export function isJsNamePath(name: string): boolean {
  return NAME_PATH.test(name);
}

const IDENTIFIER = "[\\p{ID_Start}$_][\\p{ID_Continue}$\\u200c\\u200d]*";
// A method named by a string that starts with a dot (`Module._extensions['.js']`) prints as `Object..js`.
const PART = `(?:\\.?${IDENTIFIER}|<anonymous>|<computed>)`;
const NAME_PATH = new RegExp(
  `^(?:(?:new|async|get|set) )?${PART}(?:\\.${PART})*(?: \\[as ${IDENTIFIER}\\])?$`,
  "u",
);
