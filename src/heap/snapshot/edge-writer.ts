import type { Segment } from "../core-memory.js";
import type { LoadedHeap } from "../loaded-heap.js";
import { FieldNames } from "../map-fields.js";
import { RootKind } from "../reachability.js";
import { LiveLookup } from "../start-lookup.js";
import type { AsciiOut } from "./ascii-out.js";
import { NODE_FIELDS } from "./snapshot-format.js";
import type { StringTable } from "./string-table.js";

/** Edge type indexes, in the order of snapshot-format's EDGE_TYPES. */
export const EDGE = { context: 0, element: 1, property: 2, internal: 3, hidden: 4, shortcut: 5 } as const;

const TWO_32 = 2 ** 32;
/** The synthetic root and `(GC roots)` come before the objects' nodes. */
export const SYNTHETIC_NODES = 2;
const NODE_FIELD_COUNT = NODE_FIELDS.length;
const ROLE_PROPERTIES = 1;
const ROLE_ELEMENTS = 2;
const ROLE_TABLE = 3;
/** Per position: bit 0 a PropertyCell, bit 1 a JS receiver, bits 2–3 the backing-store role. */
const FLAG_CELL = 1;
const FLAG_RECEIVER = 2;
const ROLE_SHIFT = 2;
const PROPERTY_CELL_NAME_AT = 8;
const PROPERTY_CELL_VALUE_AT = 24;
/** JSCollection: map, properties, elements, table. */
const COLLECTION_TABLE_AT = 24;
const KIND_RAW = 1;
const KIND_RECEIVER = 2;
const KIND_FUNCTION = 4;
const KIND_CONTEXT = 8;
const KIND_CELL = 16;
const KIND_COLLECTION = 32;
const KIND_STRING = 64;

/** An edge's type and name (a string id or an index) in one number: name · 8 + type, plus one (0: unknown). */
const pack = (type: number, name: number) => name * 8 + type + 1;

export interface EdgeWalk {
  lookup: LiveLookup;
  /** Positions of the global objects and of the objects held from native memory, the roots' edges. */
  globals: number[];
  nativeRoots: number[];
  /** Per Map: the kind bits the node labels use too. */
  kinds: Uint8Array;
  /** The edges of each live object, by position, and their total: the cheap pass, no names resolved. */
  count(onProgress: (done: number) => void): { edgeCounts: EdgeCounts; edges: number };
  /** Writes every live object's edges to `out` as `type,name,to_node` records; returns how many. */
  write(out: AsciiOut, onProgress: (done: number) => void): number;
}

/**
 * The edges of every live object: the same edges, in the same order and with the same names, as
 * SnapshotEdges.forEach, which `heap --retainers` still uses. This one is for millions of objects: pointers
 * resolved through LiveLookup, names as string ids cached per Map (fields), per ScopeInfo (context
 * variables) and per PropertyCell, no closure, tuple or string per edge. Counting them (which the nodes
 * need, and the nodes come first in the file) takes a pass of its own that only resolves pointers, so that
 * the edges can then go straight to the file, with no copy of them on disk or in memory.
 */
export function prepareEdges(heap: LoadedHeap, strings: StringTable): EdgeWalk {
  const { objects, live, maps, memory, v8, names } = heap;
  const total = objects.address.length;
  const addresses = objects.address;
  const mapOf = objects.map;
  const sizes = objects.size;
  const reachedFrom = live.reachedFrom;
  const lookup = new LiveLookup(objects, (index) => reachedFrom[index] !== 0);

  const at = {
    properties: v8.field("JSReceiver", "raw_properties_or_hash", 8),
    elements: v8.field("JSObject", "elements", 16),
    context: v8.field("JSFunction", "context"),
    shared: v8.field("JSFunction", "shared"),
    minContextSlots: v8.get("context_min_slots"),
  };
  const cellType = v8.type("PropertyCell");
  const collections = new Set([v8.type("JSMap"), v8.type("JSSet")]);
  const kinds = new Uint8Array(maps.maps.length);
  for (let mapIndex = 0; mapIndex < maps.maps.length; mapIndex++) {
    const type = maps.maps[mapIndex]?.instanceType ?? -1;
    let kind = 0;
    if (heap.isRawBody(mapIndex)) kind |= KIND_RAW;
    if (names.isJSReceiver(type)) kind |= KIND_RECEIVER;
    if (names.isFunction(type)) kind |= KIND_FUNCTION;
    if (names.isContext(type)) kind |= KIND_CONTEXT;
    if (type === cellType) kind |= KIND_CELL;
    if (collections.has(type)) kind |= KIND_COLLECTION;
    if (names.isString(type)) kind |= KIND_STRING;
    kinds[mapIndex] = kind;
  }

  const count = lookup.count;
  const flags = new Uint8Array(count);
  const cells = new Map<number, number>();
  const globals: number[] = [];
  const nativeRoots: number[] = [];
  const globalType = RootKind.GlobalObject;
  for (let index = 0, position = 0; index < total; index++) {
    if (reachedFrom[index] === 0) continue;
    const kind = kinds[mapOf[index] as number] as number;
    if (kind & KIND_CELL) {
      flags[position] = FLAG_CELL;
      cells.set(position, index);
    } else if (kind & KIND_RECEIVER) flags[position] = FLAG_RECEIVER;
    if (live.rootKind[index] === globalType) globals.push(position);
    else if (live.rootKind[index] !== RootKind.None) nativeRoots.push(position);
    position++;
  }

  // Backing stores: the first live receiver (in address order) that holds one owns it.
  let segment: Segment | undefined;
  const wordAt = (address: number): number | undefined => {
    if (!segment || address < segment.start || address + 8 > segment.end) segment = memory.segmentOf(address);
    if (!segment) return undefined;
    const word = (address - segment.start) / 4;
    return (segment.words[word] as number) + (segment.words[word + 1] as number) * TWO_32;
  };
  const propertiesOwnerMap = new Map<number, number>();
  const own = (address: number, ownerMap: number, offset: number, role: number) => {
    const held = wordAt(address + offset);
    if (held === undefined || held % 2 !== 1) return;
    const store = lookup.of(held - 1);
    if (store < 0) return;
    const flag = flags[store] as number;
    if (flag >>> ROLE_SHIFT !== 0 || flag & FLAG_RECEIVER) return;
    flags[store] = flag | (role << ROLE_SHIFT);
    if (role === ROLE_PROPERTIES) propertiesOwnerMap.set(store, ownerMap);
  };
  for (let index = 0; index < total; index++) {
    if (reachedFrom[index] === 0) continue;
    const mapIndex = mapOf[index] as number;
    const kind = kinds[mapIndex] as number;
    if (!(kind & KIND_RECEIVER)) continue;
    const address = addresses[index] as number;
    own(address, mapIndex, at.properties, ROLE_PROPERTIES);
    own(address, mapIndex, at.elements, ROLE_ELEMENTS);
    if (kind & KIND_COLLECTION) own(address, mapIndex, COLLECTION_TABLE_AT, ROLE_TABLE);
  }

  const fields = new FieldNames(memory, maps, heap.strings, v8);
  const internalAt = new Map<number, number>();
  const internalOffset = (offset: number) => {
    let id = internalAt.get(offset);
    if (id === undefined) {
      id = strings.id(`@${offset}`);
      internalAt.set(offset, id);
    }
    return id;
  };
  const MAP = pack(EDGE.internal, strings.id("map"));
  const fixed = {
    properties: pack(EDGE.internal, strings.id("properties")),
    elements: pack(EDGE.internal, strings.id("elements")),
    context: pack(EDGE.internal, strings.id("context")),
    shared: pack(EDGE.internal, strings.id("shared")),
    table: pack(EDGE.internal, strings.id("table")),
    value: pack(EDGE.internal, strings.id("value")),
    name: pack(EDGE.internal, strings.id("name")),
    scopeInfo: pack(EDGE.internal, strings.id("scope_info")),
    previous: pack(EDGE.internal, strings.id("previous")),
  };

  /** SnapshotEdges' receiverEdge: depends on the Map and the offset only, so cached per Map. */
  const receiverLabels: Array<Int32Array | undefined> = [];
  const receiverLabel = (mapIndex: number, kind: number, offset: number): number => {
    const word = offset / 8;
    let labels = receiverLabels[mapIndex];
    if (labels === undefined || word >= labels.length) {
      const bigger = new Int32Array(Math.max(word + 1, (labels?.length ?? 0) * 2, 8));
      if (labels) bigger.set(labels);
      labels = bigger;
      receiverLabels[mapIndex] = labels;
    }
    const known = labels[word] as number;
    if (known !== 0) return known;
    let label: number;
    if (offset === at.properties) label = fixed.properties;
    else if (offset === at.elements) label = fixed.elements;
    else if (kind & KIND_FUNCTION && offset === at.context) label = fixed.context;
    else if (kind & KIND_FUNCTION && offset === at.shared) label = fixed.shared;
    else if (kind & KIND_COLLECTION && offset === COLLECTION_TABLE_AT) label = fixed.table;
    else {
      const map = maps.maps[mapIndex];
      const name = map ? fields.of(mapIndex).names[word - map.inobjectStart] : undefined;
      label =
        name !== undefined && map && offset < map.instanceSize
          ? pack(EDGE.property, strings.id(name))
          : pack(EDGE.internal, internalOffset(offset));
    }
    labels[word] = label;
    return label;
  };

  /** SnapshotEdges' contextEdge: context variable names cached per ScopeInfo. */
  const contextLabels = new Map<number, Int32Array>();
  const contextLabel = (contextAddress: number, offset: number): number => {
    const slot = (offset - 16) / 8;
    if (slot === 0) return fixed.scopeInfo;
    if (slot === 1) return fixed.previous;
    const scopeInfo = wordAt(contextAddress + 16);
    const local = slot - at.minContextSlots;
    const uncached = () => {
      const name = names.contextLocalName(scopeInfo, local);
      return name === undefined ? pack(EDGE.hidden, slot) : pack(EDGE.context, strings.id(name));
    };
    if (scopeInfo === undefined || local < 0 || local >= 4096) return uncached();
    let labels = contextLabels.get(scopeInfo);
    if (labels === undefined || local >= labels.length) {
      const bigger = new Int32Array(Math.max(local + 1, (labels?.length ?? 0) * 2, 8));
      if (labels) bigger.set(labels);
      labels = bigger;
      contextLabels.set(scopeInfo, labels);
    }
    const known = labels[local] as number;
    if (known !== 0) return known;
    const label = uncached();
    labels[local] = label;
    return label;
  };

  /** Property names of PropertyArray slots, per owner Map (undefined: look in the dictionary). */
  const storeFieldNames = (ownerMap: number, slot: number): string | undefined => {
    const ownerFields = fields.of(ownerMap);
    return ownerFields.names[ownerFields.inobject + slot];
  };

  const backingLabel = (storeAddress: number, role: number, position: number, offset: number): number => {
    const slot = (offset - 16) / 8;
    if (role === ROLE_ELEMENTS) return pack(EDGE.element, slot);
    if (role === ROLE_PROPERTIES) {
      const name =
        storeFieldNames(propertiesOwnerMap.get(position) as number, slot) ??
        heap.strings.read(memory.word(storeAddress + offset - 8));
      if (name !== undefined) return pack(EDGE.property, strings.id(name));
    }
    return pack(EDGE.hidden, offset / 8);
  };

  /** As V8's snapshot does, a property edge from where a PropertyCell is held to the cell's value. */
  const cellEdges = new Map<number, { key: number; value: number } | null>();
  const cellEdge = (position: number): { key: number; value: number } | null => {
    let edge = cellEdges.get(position);
    if (edge === undefined) {
      edge = null;
      const cell = addresses[cells.get(position) as number] as number;
      const key = heap.strings.read(memory.word(cell + PROPERTY_CELL_NAME_AT));
      const value = memory.word(cell + PROPERTY_CELL_VALUE_AT);
      const valuePosition = value !== undefined && value % 2 === 1 ? lookup.of(value - 1) : -1;
      if (key !== undefined && valuePosition >= 0) edge = { key: strings.id(key), value: valuePosition };
      cellEdges.set(position, edge);
    }
    return edge;
  };

  /** Where an object's slots are: its segment's words, from `word`, `slots` of them (0 when not in the core). */
  let words: Uint32Array = new Uint32Array(0);
  let firstWord = 0;
  let slots = 0;
  const locate = (index: number, kind: number) => {
    const start = addresses[index] as number;
    if (!segment || start < segment.start || start >= segment.end) segment = memory.segmentOf(start);
    if (!segment) {
      slots = 0;
      return;
    }
    const end = Math.min(start + (kind & KIND_RAW ? 8 : (sizes[index] as number)), segment.end);
    words = segment.words;
    firstWord = (start - segment.start) / 4;
    slots = Math.max(0, Math.ceil((end - start) / 8));
  };

  const countEdges = (onProgress: (done: number) => void) => {
    const edgeCounts = new EdgeCounts(count);
    let all = 0;
    segment = undefined;
    for (let index = 0, position = 0; index < total; index++) {
      if (reachedFrom[index] === 0) continue;
      if ((index & 0xffff) === 0) onProgress(index);
      const source = position++;
      locate(index, kinds[mapOf[index] as number] as number);
      let edges = 0;
      for (let slot = 0, word = firstWord; slot < slots; slot++, word += 2) {
        const low = words[word] as number;
        if ((low & 3) !== 1) continue;
        const target = lookup.ofTagged(low, words[word + 1] as number);
        if (target < 0) continue;
        edges++;
        if (slot !== 0 && (flags[target] as number) & FLAG_CELL && cellEdge(target)) edges++;
      }
      edgeCounts.set(source, edges);
      all += edges;
    }
    return { edgeCounts, edges: all };
  };

  const writeAll = (out: AsciiOut, onProgress: (done: number) => void) => {
    let written = 0;
    const emit = (label: number, target: number) => {
      const packed = label - 1;
      const type = packed & 7;
      out.record3(written === 0, type, (packed - type) / 8, (SYNTHETIC_NODES + target) * NODE_FIELD_COUNT);
      written++;
    };
    segment = undefined;
    for (let index = 0, position = 0; index < total; index++) {
      if (reachedFrom[index] === 0) continue;
      if ((index & 0xffff) === 0) onProgress(index);
      const source = position++;
      const mapIndex = mapOf[index] as number;
      const kind = kinds[mapIndex] as number;
      locate(index, kind);
      const start = addresses[index] as number;
      const role = (flags[source] as number) >>> ROLE_SHIFT;
      for (let slot = 0, word = firstWord; slot < slots; slot++, word += 2) {
        const low = words[word] as number;
        if ((low & 3) !== 1) continue;
        const target = lookup.ofTagged(low, words[word + 1] as number);
        if (target < 0) continue;
        const offset = slot * 8;
        if (offset === 0) {
          emit(MAP, target);
          continue;
        }
        if ((flags[target] as number) & FLAG_CELL) {
          const edge = cellEdge(target);
          if (edge) emit(pack(EDGE.property, edge.key), edge.value);
        }
        let label: number;
        if (kind & KIND_CONTEXT) label = contextLabel(start, offset);
        else if (kind & KIND_CELL && offset === PROPERTY_CELL_VALUE_AT) label = fixed.value;
        else if (kind & KIND_CELL && offset === PROPERTY_CELL_NAME_AT) label = fixed.name;
        else if (kind & KIND_RECEIVER) label = receiverLabel(mapIndex, kind, offset);
        else if (role !== 0) label = backingLabel(start, role, source, offset);
        else label = pack(EDGE.hidden, offset / 8);
        emit(label, target);
      }
    }
    return written;
  };

  return { lookup, globals, nativeRoots, kinds, count: countEdges, write: writeAll };
}

/**
 * Edges per live object, one byte each (an object with 255 edges or more keeps its count in a Map): a
 * quarter of a Uint32Array on heaps of tens of millions of objects, where few objects have that many.
 */
export class EdgeCounts {
  private readonly small: Uint8Array;
  private readonly large = new Map<number, number>();

  constructor(count: number) {
    this.small = new Uint8Array(count);
  }

  set(position: number, edges: number): void {
    if (edges < 255) this.small[position] = edges;
    else {
      this.small[position] = 255;
      this.large.set(position, edges);
    }
  }

  get(position: number): number {
    const edges = this.small[position] as number;
    return edges < 255 ? edges : (this.large.get(position) as number);
  }
}

export const NODE_KIND = { string: KIND_STRING, function: KIND_FUNCTION } as const;
