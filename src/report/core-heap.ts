import {
  findRetainers,
  loadHeap,
  type RetainerPath,
  retainedSizes,
  summarizeHeap,
  UnsupportedHeapError,
} from "../heap/index.js";
import {
  type HeapFigures,
  type HeapHolder,
  type HeapRequest,
  type HeapRetainer,
  isApplicationType,
} from "./heap-source.js";
import { llnodeHeapFigures } from "./llnode-heap.js";

/** Types in the report's figures, and the largest of the application's own that get a retainer path. */
const TYPES = 20;
const RETAINED_TYPES = 3;
/** The objects that retain the most: what holds the memory. */
const HOLDERS = 5;

/**
 * The heap's figures read straight from the core's memory (src/heap): live objects only, the objects that
 * retain the most (dominators), and a retainer path for each of the application's largest constructors. A build the reader does not know (Node 16,
 * pointer compression) falls back to the project's llnode.
 */
export async function coreHeapFigures(request: HeapRequest): Promise<HeapFigures | undefined> {
  let heap: Awaited<ReturnType<typeof loadHeap>>;
  try {
    // The holders are objects: what each type's instances retain together is not shown, and not computed.
    heap = await loadHeap(request.core, request.executable, {
      graph: true,
      groupTotals: false,
      constructorNames: request.constructorNames,
    });
  } catch (error) {
    if (error instanceof UnsupportedHeapError) return llnodeHeapFigures(request);
    throw error;
  }
  const { types } = summarizeHeap(heap);
  const holders: HeapHolder[] = retainedSizes(heap, HOLDERS).objects.map((object) => ({
    name: object.name,
    retained: object.retained,
    share: object.share,
    path: outwards(object),
  }));
  const retainers: HeapRetainer[] = [];
  for (const type of types
    .filter((candidate) => isApplicationType(candidate.name))
    .slice(0, RETAINED_TYPES)) {
    const [shortest] = findRetainers(heap, type.name);
    if (shortest) retainers.push({ name: type.name, path: outwards(shortest) });
  }
  return {
    types: types.slice(0, TYPES).map(({ name, count, bytes }) => ({ name, count, bytes })),
    ...(holders.length > 0 ? { holders } : {}),
    ...(retainers.length > 0 ? { retainers } : {}),
    ...(heap.notes.length > 0 ? { notes: [...heap.notes] } : {}),
    ...(heap.renamed.length > 0 ? { renamed: heap.renamed } : {}),
  };
}

/**
 * The reader's paths run from the root to the instance, each step with the edge its holder reaches it by;
 * the report's run from the instance outwards, each holder with the edge it holds the step before by.
 */
function outwards({ path }: RetainerPath): HeapRetainer["path"] {
  const holders: HeapRetainer["path"] = [];
  for (let index = path.length - 2; index >= 0; index--) {
    holders.push({ name: path[index]?.name ?? "", edge: path[index + 1]?.edge ?? "" });
  }
  return holders;
}
