import type { DumpMetadata } from "./read-metadata.js";

/** Shared by every dump that has none: frozen, so that a write to one would throw, not change them all. */
const NO_LIST: never[] = Object.freeze([]) as never[];
const NO_NAMES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * One copy of what many dumps' metadata repeat: the texts (namespaces, states), the images and the crash
 * a log told of (a crash-looping deployment leaves thousands of the same), and the empty lists and label
 * sets. Each row of a cache parsed, and each dump's JSON read, would otherwise hold its own: at 100,000
 * dumps they were most of a listing's heap. Shared values are frozen.
 */
export class SharedValues {
  private readonly texts = new Map<string, string>();
  private readonly values = new Map<string, unknown>();

  /**
   * A copy of the metadata, its repeated parts replaced by their shared copies. The argument keeps its
   * fields; images and a crash seen for the first time become the shared copies, and are frozen with them.
   */
  share(metadata: DumpMetadata): DumpMetadata {
    const copy: DumpMetadata = { ...metadata };
    if (metadata.pod) copy.pod = { ...metadata.pod };
    return this.own(copy);
  }

  /** The same, in place: for metadata nothing else holds, such as a cache row just parsed. */
  own(metadata: DumpMetadata): DumpMetadata {
    metadata.state = this.text(metadata.state);
    if (metadata.containers.length === 0) metadata.containers = NO_LIST;
    metadata.images = metadata.images.length === 0 ? NO_LIST : this.value(metadata.images);
    if (metadata.problems.length === 0) metadata.problems = NO_LIST;
    if (metadata.crash) metadata.crash = this.value(metadata.crash);
    const pod = metadata.pod;
    if (pod) {
      pod.labels = this.names(pod.labels);
      pod.annotations = this.names(pod.annotations);
      if (pod.namespace !== undefined) pod.namespace = this.text(pod.namespace);
    }
    return metadata;
  }

  private names(names: Record<string, string>): Record<string, string> {
    for (const _ in names) return names;
    return NO_NAMES;
  }

  /** A value read from elsewhere (a cache file's shared line), as its one frozen copy. */
  adopt<T extends object>(value: T): T {
    return this.value(value);
  }

  /** One frozen copy of each value equal in JSON; a frozen value is such a copy already. */
  private value<T>(value: T): T {
    if (Object.isFrozen(value)) return value;
    const key = JSON.stringify(value);
    const shared = this.values.get(key);
    if (shared !== undefined) return shared as T;
    this.values.set(key, deepFreeze(value));
    return value;
  }

  private text<T extends string>(text: T): T {
    const shared = this.texts.get(text);
    if (shared !== undefined) return shared as T;
    this.texts.set(text, text);
    return text;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
