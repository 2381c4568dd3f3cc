export type { ConstructorNamer, ConstructorSite } from "./constructor-sites.js";
export type { LoadedHeap, RenamedConstructor } from "./loaded-heap.js";
export { type HeapSummary, loadHeap, summarizeHeap } from "./read-heap.js";
export { type HeapReading, type ReadHeapOptions, readHeap } from "./read-heap-entry.js";
export { type RetainedSizes, type RetainingObject, retainedSizes, retainersByRetained } from "./retained.js";
export { findRetainers, type RetainerPath, type RetainerStep } from "./retainers.js";
export { heapReads, SUPPORTED_NODE_MAJORS } from "./supported.js";
export { UnsupportedHeapError } from "./v8-constants.js";
