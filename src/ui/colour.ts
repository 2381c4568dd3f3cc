import chalk, { chalkStderr } from "chalk";

let plain = false;

/**
 * The one decision about colour and terminal escapes, first that is set: `--no-color` or `--color`,
 * FORCE_COLOR (chalk reads it), NO_COLOR (not empty), whether the stream is a terminal (chalk, for stdout
 * and stderr each). Plain also means no cursor movement: progress is drawn with a carriage return only.
 */
export function chooseColour(flag: boolean | undefined, env: NodeJS.ProcessEnv): void {
  const forced = (env.FORCE_COLOR ?? "") !== "";
  plain = flag === false || (flag === undefined && !forced && (env.NO_COLOR ?? "") !== "");
  for (const instance of [chalk, chalkStderr]) {
    if (plain) instance.level = 0;
    else if (flag === true && instance.level === 0) instance.level = 1;
  }
}

/** No escape sequences at all, not even to move the cursor (NO_COLOR, --no-color). */
export function plainTerminal(): boolean {
  return plain;
}
