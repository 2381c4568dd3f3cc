/** A JS frame of `report --json` (`jsStack`, `abortedAt`), as the tests read it. */
export interface ReportFrameJson {
  function: string;
  file?: string;
  line?: number;
  column?: number;
  source: string;
  /** Whether the frame is the one the process printed at its place (where it printed a stack). */
  matchesV8Printed?: boolean;
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

/**
 * A frame as the stack tests compare it: without `inApp` (see withoutInApp) and without what the frame was
 * called with (`receiver`, `arguments`, `argumentCount`: tests/integration/frame-values.test.ts checks those).
 */
export function frameSite<T extends object | undefined>(frame: T): T {
  if (!frame) return frame;
  const {
    receiver: _receiver,
    arguments: _arguments,
    argumentCount: _count,
    ...rest
  } = withoutInApp(frame) as T & { receiver?: unknown; arguments?: unknown; argumentCount?: unknown };
  return rest as T;
}
