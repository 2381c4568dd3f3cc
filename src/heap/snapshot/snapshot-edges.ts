import type { LoadedHeap } from "../loaded-heap.js";
import { FieldNames } from "../map-fields.js";
import { objectAt } from "../object-index.js";
import type { EdgeType } from "./snapshot-format.js";

export type EmitEdge = (type: EdgeType, nameOrIndex: string | number, target: number) => void;
export type EdgeLabel = [EdgeType, string | number];

const TWO_32 = 2 ** 32;
const ROLE_PROPERTIES = 1;
const ROLE_ELEMENTS = 2;
const ROLE_TABLE = 3;
const PROPERTY_CELL_NAME_AT = 8;
const PROPERTY_CELL_VALUE_AT = 24;
/** JSCollection: map, properties, elements, table. */
const COLLECTION_TABLE_AT = 24;

/**
 * The edges of each live object: every strong tagged slot that points at a live object, named as V8's
 * snapshot names them where the core tells (properties through the Map's descriptors or the dictionary's
 * keys, elements by index, context variables through the ScopeInfo), else internal by field offset or
 * hidden by slot index. Backing stores carry their owner's property and element edges.
 */
export class SnapshotEdges {
  private readonly fields: FieldNames;
  /** For a properties or elements backing store on a path asked for: the JS object that owns it (`claim`). */
  private readonly owner = new Map<number, number>();
  private readonly role = new Map<number, number>();
  private readonly at: {
    properties: number;
    elements: number;
    context: number;
    shared: number;
    minContextSlots: number;
  };
  private readonly types: { propertyCell: number; collections: Set<number> };

  constructor(
    private readonly heap: LoadedHeap,
    private readonly isRawBody: (mapIndex: number) => boolean,
  ) {
    const v8 = heap.v8;
    this.fields = new FieldNames(heap.memory, heap.maps, heap.strings, v8);
    this.at = {
      properties: v8.field("JSReceiver", "raw_properties_or_hash", 8),
      elements: v8.field("JSObject", "elements", 16),
      context: v8.field("JSFunction", "context"),
      shared: v8.field("JSFunction", "shared"),
      minContextSlots: v8.get("context_min_slots"),
    };
    this.types = {
      propertyCell: v8.type("PropertyCell"),
      collections: new Set([v8.type("JSMap"), v8.type("JSSet")]),
    };
  }

  /**
   * Backing stores on a path are claimed by the objects before them: a properties array, an elements
   * store or a Map's table is named as its holder's (the receiver whose slot holds it). Only the objects
   * of the paths asked for are looked at, not every receiver of the heap.
   */
  claim(chain: readonly number[]): void {
    for (const index of chain) {
      if (!this.isLive(index) || !this.heap.names.isJSReceiver(this.typeOf(index))) continue;
      this.own(index, this.at.properties, ROLE_PROPERTIES);
      this.own(index, this.at.elements, ROLE_ELEMENTS);
      if (this.types.collections.has(this.typeOf(index))) this.own(index, COLLECTION_TABLE_AT, ROLE_TABLE);
    }
  }

  isLive(index: number): boolean {
    return this.heap.live.reachedFrom[index] !== 0;
  }

  /** Calls `emit` for each edge of live object `index`, in slot order (the same every call). */
  forEach(index: number, emit: EmitEdge): void {
    const { objects, memory } = this.heap;
    const start = objects.address[index] as number;
    const segment = memory.segmentOf(start);
    if (!segment) return;
    const mapIndex = objects.map[index] as number;
    const end = Math.min(
      start + (this.isRawBody(mapIndex) ? 8 : (objects.size[index] as number)),
      segment.end,
    );
    const words = segment.words;
    for (let offset = 0, word = (start - segment.start) / 4; start + offset < end; offset += 8, word += 2) {
      const low = words[word] as number;
      if ((low & 3) !== 1) continue;
      const target = objectAt(objects, low - 1 + (words[word + 1] as number) * TWO_32);
      if (target < 0 || !this.isLive(target)) continue;
      if (offset !== 0 && this.typeOf(target) === this.types.propertyCell) this.globalProperty(target, emit);
      const [type, name] = this.label(index, offset);
      emit(type, name, target);
    }
  }

  /** A global property lives in a PropertyCell: as in V8's snapshot, the property edge leads to its value. */
  private globalProperty(cellIndex: number, emit: EmitEdge): void {
    const heap = this.heap;
    const cell = heap.objects.address[cellIndex] as number;
    const key = this.cellName(cellIndex);
    const value = heap.memory.word(cell + PROPERTY_CELL_VALUE_AT);
    const valueIndex = value !== undefined && value % 2 === 1 ? objectAt(heap.objects, value - 1) : -1;
    if (key !== undefined && valueIndex >= 0 && this.isLive(valueIndex)) emit("property", key, valueIndex);
  }

  /** The property name a PropertyCell holds, or undefined when `index` is no PropertyCell. */
  cellName(index: number): string | undefined {
    if (this.typeOf(index) !== this.types.propertyCell) return undefined;
    const cell = this.heap.objects.address[index] as number;
    return this.heap.strings.read(this.heap.memory.word(cell + PROPERTY_CELL_NAME_AT));
  }

  /** Whether `index` is the table of a JS Map or Set (whose slots are its entries). */
  isCollectionTable(index: number): boolean {
    return this.role.get(index) === ROLE_TABLE;
  }

  /** The type and name of the edge from slot `offset` of object `index`. */
  label(index: number, offset: number): EdgeLabel {
    const heap = this.heap;
    if (offset === 0) return ["internal", "map"];
    const type = this.typeOf(index);
    const names = heap.names;
    if (names.isContext(type)) return this.contextEdge(index, offset);
    if (type === this.types.propertyCell) {
      if (offset === PROPERTY_CELL_VALUE_AT) return ["internal", "value"];
      if (offset === PROPERTY_CELL_NAME_AT) return ["internal", "name"];
    }
    if (names.isJSReceiver(type)) return this.receiverEdge(index, type, offset);
    const owner = this.owner.get(index) ?? -1;
    const slot = (offset - 16) / 8;
    if (owner >= 0 && this.role.get(index) === ROLE_ELEMENTS) return ["element", slot];
    if (owner >= 0 && this.role.get(index) === ROLE_PROPERTIES) {
      const fields = this.fields.of(heap.objects.map[owner] as number);
      const name =
        fields.names[fields.inobject + slot] ??
        heap.strings.read(heap.memory.word((heap.objects.address[index] as number) + offset - 8));
      if (name !== undefined) return ["property", name];
    }
    return ["hidden", offset / 8];
  }

  private receiverEdge(index: number, type: number, offset: number): EdgeLabel {
    if (offset === this.at.properties) return ["internal", "properties"];
    if (offset === this.at.elements) return ["internal", "elements"];
    if (this.heap.names.isFunction(type)) {
      if (offset === this.at.context) return ["internal", "context"];
      if (offset === this.at.shared) return ["internal", "shared"];
    }
    if (this.types.collections.has(type) && offset === COLLECTION_TABLE_AT) return ["internal", "table"];
    const map = this.heap.maps.maps[this.heap.objects.map[index] as number];
    const fields = this.fields.of(this.heap.objects.map[index] as number);
    const name = map ? fields.names[offset / 8 - map.inobjectStart] : undefined;
    if (name !== undefined && map && offset < map.instanceSize) return ["property", name];
    return ["internal", `@${offset}`];
  }

  private contextEdge(index: number, offset: number): EdgeLabel {
    const slot = (offset - 16) / 8;
    if (slot === 0) return ["internal", "scope_info"];
    if (slot === 1) return ["internal", "previous"];
    const context = this.heap.objects.address[index] as number;
    const name = this.heap.names.contextLocalName(
      this.heap.memory.word(context + 16),
      slot - this.at.minContextSlots,
    );
    return name === undefined ? ["hidden", slot] : ["context", name];
  }

  private own(index: number, offset: number, role: number): void {
    const held = this.heap.memory.word((this.heap.objects.address[index] as number) + offset);
    if (held === undefined || held % 2 !== 1) return;
    const store = objectAt(this.heap.objects, held - 1);
    if (store < 0 || this.owner.has(store) || this.heap.names.isJSReceiver(this.typeOf(store))) return;
    this.owner.set(store, index);
    this.role.set(store, role);
  }

  private typeOf(index: number): number {
    return this.heap.maps.maps[this.heap.objects.map[index] as number]?.instanceType ?? -1;
  }
}
