/** A JS frame of `report --json` (`jsStack`, `abortedAt`), as the tests read it. */
export interface ReportFrameJson {
  function: string;
  file?: string;
  line?: number;
  column?: number;
  source: string;
}

/**
 * A frame without `inApp`, which the source-map pass adds where it looked for maps (whether it looks
 * depends on the core's text): the stack tests compare frames without it; issue 21's tests check it.
 */
export function withoutInApp<T extends object | undefined>(frame: T): T {
  if (!frame) return frame;
  const { inApp: _, ...rest } = frame as T & { inApp?: boolean };
  return rest as T;
}
