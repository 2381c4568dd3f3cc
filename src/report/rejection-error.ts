import { inspectFullCommand } from "../debuggers/llnode-commands.js";
import { errorInstance, errorStack, inspectedString } from "../debuggers/llnode-output.js";
import { type DebugTarget, runBatch } from "../debuggers/session.js";
import { findPrintedError } from "./crash-text.js";
import type { JsFrame } from "./js-frame.js";

/** The rejection's reason as llnode reads it from the Error object on the heap. */
export interface HeapError {
  type: string;
  message: string;
  /** Its captured stack, call sites included; empty when llnode found none. */
  frames: JsFrame[];
}

/**
 * The first `type` instance on the heap, its whole message, and its stack: the captured one (patch 08), or
 * the string V8 formatted when Node printed the error, read in full and parsed.
 */
export async function readHeapError(target: DebugTarget, type: string): Promise<HeapError | undefined> {
  const { output } = await runBatch(target, [`v8 findjsinstances -d ${type}`], 120_000);
  const instance = errorInstance(output);
  if (instance?.message === undefined) return undefined;
  const stack = errorStack(output, type);
  const addresses = [instance.messageAddress, stack.stringAddress].filter(
    (a): a is string => a !== undefined,
  );
  const full =
    addresses.length > 0 ? await runBatch(target, addresses.map(inspectFullCommand), 60_000) : undefined;
  const strings = (full?.output ?? "").split(/^\(llnode\) |^\(lldb\) /m).map((part) => inspectedString(part));
  const message =
    (instance.messageAddress
      ? strings.find((s) => s !== undefined && !s.startsWith(`${type}: `))
      : undefined) ?? instance.message;
  const printed = strings
    .map((s) => (s?.startsWith(`${type}: `) ? findPrintedError(`${s}\n`) : undefined))
    .find(Boolean);
  const frames = stack.frames.length > 0 ? stack.frames : (printed?.frames ?? []);
  return { type, message, frames };
}
