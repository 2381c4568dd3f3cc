export { type CoreExtent, coreExtent, extentOf, truncationNote } from "./core-extent.js";
export {
  type CoreSummary,
  type MappedElf,
  NotACoreError,
  readCoreNodeVersion,
  readCoreSummary,
} from "./core-summary.js";
export { NotElfError } from "./elf-header.js";
export { type ExecutableInfo, NotAnExecutableError, readExecutableInfo } from "./executable.js";
export { compareExecutableData, DATA_AGREEMENT, type DataComparison } from "./executable-data.js";
export { type Machine, machineLabel, machineNamed } from "./machine.js";
export { coreMemoryIncludes } from "./memory-search.js";
export { executableNodeVersion } from "./node-version.js";
export type { FileMapping } from "./nt-file.js";
export type { ProcessInfo } from "./prpsinfo.js";
export { withFile } from "./random-access.js";
export { functionAt } from "./symbols.js";
export type { FaultState } from "./thread-state.js";
