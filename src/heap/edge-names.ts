import { FieldNames } from "./map-fields.js";
import type { LoadedHeap } from "./read-heap.js";

/** What a retainer path's step says of the edge that leads to an object. */
export interface NamedEdge {
  /** `property`, `element`, `context`, `map entry`, `internal`. */
  kind: "property" | "element" | "context" | "map entry" | "internal";
  /** The property or context variable name, the element index, or the V8 field. */
  name: string;
}

const PROPERTY_CELL_NAME_AT = 8;
const PROPERTY_CELL_VALUE_AT = 24;

/**
 * Names the edge from `parent` to `child` (object indexes) the way DevTools names edges: a named property
 * through the Map's descriptors or a dictionary's key, an element index, a context variable through its
 * ScopeInfo, a Map entry through the JSMap's table. `grandparent` gives the context that a backing
 * store needs (whose elements, whose table).
 */
export class EdgeNamer {
  private readonly fields: FieldNames;
  private readonly propertiesAt: number;
  private readonly elementsAt: number;
  private readonly contextAt: number;
  private readonly sharedAt: number;
  private readonly minContextSlots: number;
  private readonly types: { jsMap: number; jsSet: number; propertyCell: number; jsArray: number };

  constructor(private readonly heap: LoadedHeap) {
    const v8 = heap.v8;
    this.fields = new FieldNames(heap.memory, heap.maps, heap.strings, v8);
    this.propertiesAt = v8.field("JSReceiver", "raw_properties_or_hash", 8);
    this.elementsAt = v8.field("JSObject", "elements", 16);
    this.contextAt = v8.field("JSFunction", "context");
    this.sharedAt = v8.field("JSFunction", "shared");
    this.minContextSlots = v8.get("context_min_slots");
    this.types = {
      jsMap: v8.type("JSMap"),
      jsSet: v8.type("JSSet"),
      propertyCell: v8.type("PropertyCell"),
      jsArray: v8.type("JSArray"),
    };
  }

  name(grandparent: number, parent: number, child: number): NamedEdge {
    const heap = this.heap;
    const parentAt = heap.objects.address[parent] as number;
    const offset = this.slotOf(parent, child);
    if (offset < 0) return { kind: "internal", name: "?" };
    const parentType = this.typeOf(parent);
    const names = heap.names;
    if (names.isContext(parentType)) return this.contextEdge(parentAt, offset);
    if (parentType === this.types.propertyCell && offset === PROPERTY_CELL_VALUE_AT) {
      return { kind: "internal", name: "value" };
    }
    if (this.typeOf(child) === this.types.propertyCell) {
      const cellAt = heap.objects.address[child] as number;
      const key = heap.strings.read(heap.memory.word(cellAt + PROPERTY_CELL_NAME_AT));
      if (key !== undefined) return { kind: "property", name: key };
    }
    if (names.isJSReceiver(parentType)) return this.receiverEdge(parent, offset);
    if (grandparent >= 0) {
      const grandparentType = this.typeOf(grandparent);
      const held = this.slotOf(grandparent, parent);
      if (
        (grandparentType === this.types.jsMap || grandparentType === this.types.jsSet) &&
        names.isJSReceiver(grandparentType)
      ) {
        const key = heap.strings.read(heap.memory.word(parentAt + offset - 8));
        return { kind: "map entry", name: key ?? "Map entry" };
      }
      if (names.isJSReceiver(grandparentType) && held === this.elementsAt) {
        return { kind: "element", name: String((offset - 16) / 8) };
      }
      if (names.isJSReceiver(grandparentType) && held === this.propertiesAt) {
        const key = heap.strings.read(heap.memory.word(parentAt + offset - 8));
        if (key !== undefined) return { kind: "property", name: key };
        const field = this.fieldName(grandparent, this.inobjectCount(grandparent) + (offset - 16) / 8);
        if (field !== undefined) return { kind: "property", name: field };
      }
    }
    const key = heap.strings.read(heap.memory.word(parentAt + offset - 8));
    if (key !== undefined && offset >= 16) return { kind: "property", name: key };
    return { kind: "internal", name: `@${offset}` };
  }

  private receiverEdge(parent: number, offset: number): NamedEdge {
    if (offset === this.propertiesAt) return { kind: "internal", name: "properties" };
    if (offset === this.elementsAt) return { kind: "internal", name: "elements" };
    const type = this.typeOf(parent);
    if (this.heap.names.isFunction(type)) {
      if (offset === this.contextAt) return { kind: "internal", name: "context" };
      if (offset === this.sharedAt) return { kind: "internal", name: "shared" };
    }
    if ((type === this.types.jsMap || type === this.types.jsSet) && offset === 24)
      return { kind: "internal", name: "table" };
    const map = this.mapOf(parent);
    const fieldIndex = offset / 8 - map.inobjectStart;
    if (fieldIndex >= 0 && offset < map.instanceSize) {
      const name = this.fieldName(parent, fieldIndex);
      if (name !== undefined) return { kind: "property", name };
    }
    return { kind: "internal", name: `@${offset}` };
  }

  private contextEdge(contextAt: number, offset: number): NamedEdge {
    const slot = (offset - 16) / 8;
    if (slot === 0) return { kind: "internal", name: "scope_info" };
    if (slot === 1) return { kind: "internal", name: "previous" };
    const scopeInfo = this.heap.memory.word(contextAt + 16);
    const name = this.heap.names.contextLocalName(scopeInfo, slot - this.minContextSlots);
    return name === undefined ? { kind: "internal", name: `slot ${slot}` } : { kind: "context", name };
  }

  private fieldName(objectIndex: number, fieldIndex: number): string | undefined {
    return this.fields.of(this.heap.objects.map[objectIndex] as number).names[fieldIndex];
  }

  private inobjectCount(objectIndex: number): number {
    return this.fields.of(this.heap.objects.map[objectIndex] as number).inobject;
  }

  /** The offset of the first slot of `parent` holding a strong pointer to `child`, or -1. */
  private slotOf(parent: number, child: number): number {
    const heap = this.heap;
    const start = heap.objects.address[parent] as number;
    const target = (heap.objects.address[child] as number) + 1;
    const size = heap.objects.size[parent] as number;
    for (let offset = 8; offset < size; offset += 8) {
      if (heap.memory.word(start + offset) === target) return offset;
    }
    return -1;
  }

  private mapOf(index: number) {
    const heap = this.heap;
    return heap.maps.maps[heap.objects.map[index] as number] as NonNullable<(typeof heap.maps.maps)[number]>;
  }

  private typeOf(index: number): number {
    return this.mapOf(index).instanceType;
  }
}
