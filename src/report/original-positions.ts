import type { CodeExcerpt } from "../sourcemaps/code-excerpt.js";
import { scriptPathOf } from "../sourcemaps/script-path.js";
import { SourceMaps } from "../sourcemaps/source-maps.js";
import { type SourceTreesInput, sourceTrees } from "../sourcemaps/source-trees.js";
import type { MappedFields } from "./js-frame.js";
import type { Report, ReportFrame } from "./report.js";

export interface OriginalPositionsInput extends SourceTreesInput {
  /** The `sourceMappingURL`s the core holds (scan-core.ts): without any, and without a folder, no map is looked for. */
  coreUrls?: readonly string[] | undefined;
}

/**
 * One pass over the finished report's JS frames (its stack, V8's and Node's printed stacks, where a
 * rejection aborted), whatever read them: each gains `original` where a source map maps it, and `inApp`;
 * the first in-app frame of the leading stack gets its lines of code (`code`).
 */
export async function addOriginalPositions(report: Report, input: OriginalPositionsInput): Promise<void> {
  try {
    await mapFrames(report, input);
  } finally {
    // Where a function starts serves its name alone: the report's frames keep their own fields.
    for (const frame of report.jsStack) delete frame.functionStart;
  }
}

async function mapFrames(report: Report, input: OriginalPositionsInput): Promise<void> {
  const stacks: Array<Array<ReportFrame & MappedFields>> = [
    report.jsStack,
    report.v8Printed.frames,
    report.nodePrinted,
    ...(report.abortedAt ? [report.abortedAt] : []),
  ];
  const scripts = stacks.flat().flatMap((frame) => scriptPathOf(frame.file) ?? []);
  const coreUrls = input.coreUrls ?? [];
  const trees = sourceTrees(input, report.machine?.architecture, coreUrls.length > 0);
  if (scripts.length === 0 || (trees.length === 0 && coreUrls.length === 0)) return;
  const maps = await SourceMaps.load(scripts, trees, coreUrls);
  for (const stack of stacks) {
    for (const [index, mapping] of maps.mapStack(stack).entries()) {
      const frame = stack[index];
      if (!frame) continue;
      if (mapping.original) frame.original = mapping.original;
      frame.inApp = mapping.inApp;
    }
  }
  // The stack the report leads with: V8's printed one where a stack read from the core differs from it.
  const differs = report.jsStack.some((frame) => frame.matchesV8Printed === false);
  const leading =
    report.jsStack.length > 0 && !(differs && report.v8Printed.frames.length > 0)
      ? report.jsStack
      : report.v8Printed.frames;
  const first = leading.find((frame) => frame.inApp);
  const code: CodeExcerpt | undefined = first
    ? await maps.excerpt(first, { ...first, inApp: true })
    : undefined;
  if (code) report.code = code;
  if (maps.used.length > 0 || maps.notes.length > 0)
    report.sourceMaps = { maps: maps.used, notes: maps.notes };
}
