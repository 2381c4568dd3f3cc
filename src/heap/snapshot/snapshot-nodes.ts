import type { LoadedHeap } from "../loaded-heap.js";
import type { NodeType } from "./snapshot-format.js";

/** A live object as a snapshot node: its DevTools type and name. */
export interface NodeLabel {
  type: NodeType;
  name: string;
}

const CONS_STRING: NodeLabel = { type: "concatenated string", name: "(concatenated string)" };
const SLICED_STRING: NodeLabel = { type: "sliced string", name: "(sliced string)" };

/**
 * Labels objects the way V8's own snapshot does, as far as the core tells: strings by representation
 * (flat ones with their text), closures by function name, JS objects by constructor, Maps as object shapes, V8's
 * internals as `system / <class>` (hidden), arrays of V8's own as `(internal array)`.
 */
export class NodeLabels {
  private readonly byMap = new Map<number, NodeLabel>();
  private readonly types: {
    regExp: number;
    heapNumber: number;
    symbol: number;
    bigInt: number;
    map: number;
    code: Set<number>;
    arrays: Set<number>;
  };

  constructor(private readonly heap: LoadedHeap) {
    const v8 = heap.v8;
    this.types = {
      regExp: v8.type("JSRegExp"),
      heapNumber: v8.type("HeapNumber"),
      symbol: v8.type("Symbol"),
      bigInt: v8.type("BigInt"),
      map: v8.type("Map"),
      code: new Set(
        ["Code", "InstructionStream", "BytecodeArray", "SharedFunctionInfo", "Script"].map((name) =>
          v8.type(name),
        ),
      ),
      arrays: new Set(
        [
          "FixedArray",
          "WeakFixedArray",
          "FixedDoubleArray",
          "ByteArray",
          "PropertyArray",
          "WeakArrayList",
        ].map((name) => v8.type(name)),
      ),
    };
  }

  of(index: number): NodeLabel {
    const heap = this.heap;
    const mapIndex = heap.objects.map[index] as number;
    const type = heap.maps.maps[mapIndex]?.instanceType ?? -1;
    if (heap.names.isString(type)) {
      // As V8 names them: a cons or sliced string by its kind, a flat one by its characters.
      const representation = heap.strings.representation(type);
      if (representation === "cons") return CONS_STRING;
      if (representation === "sliced") return SLICED_STRING;
      return { type: "string", name: heap.strings.read((heap.objects.address[index] as number) + 1) ?? "" };
    }
    if (heap.names.isFunction(type)) {
      return {
        type: "closure",
        name: heap.names.functionName((heap.objects.address[index] as number) + 1) ?? "",
      };
    }
    let label = this.byMap.get(mapIndex);
    if (!label) {
      label = this.labelOfMap(mapIndex, type);
      this.byMap.set(mapIndex, label);
    }
    return label;
  }

  private labelOfMap(mapIndex: number, type: number): NodeLabel {
    const group = this.heap.names.groupOf(mapIndex);
    const system = group.replace(/^\(system\) /, "system / ");
    if (type === this.types.regExp) return { type: "regexp", name: group };
    if (type === this.types.heapNumber) return { type: "number", name: "heap number" };
    if (type === this.types.symbol) return { type: "symbol", name: "symbol" };
    if (type === this.types.bigInt) return { type: "bigint", name: "bigint" };
    if (type === this.types.map) return { type: "object shape", name: "system / Map" };
    if (this.types.code.has(type)) return { type: "code", name: system };
    if (this.types.arrays.has(type)) return { type: "array", name: "(internal array)" };
    if (this.heap.names.isJSReceiver(type)) return { type: "object", name: group };
    return { type: "hidden", name: system };
  }
}
