import { createHash } from "node:crypto";
import { UsageError } from "../errors.js";

/** Worker `index` of `count`, from 0: each takes the dumps whose uuid hashes to its index. */
export interface Shard {
  index: number;
  count: number;
}

/** `--shard 2/3`: the third of three workers. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count)
    throw new UsageError(`--shard ${text}: give I/N, worker I of N counted from 0, such as 0/3`);
  return shard;
}

/**
 * An Indexed Job's share: Kubernetes sets JOB_COMPLETION_INDEX in each pod; the Job's completions are
 * not given to the pod, so the manifest sets JOB_COMPLETIONS to the same number.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | undefined {
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index === "") return undefined;
  const count = env.JOB_COMPLETIONS;
  if (count === undefined || count === "")
    throw new UsageError(
      "JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not: set it to the Job's completions, or give --shard I/N",
    );
  return parseShard(`${index}/${count}`);
}

/** Stable across runs and machines: the uuid's hash, not its position in a listing that grows. */
export function inShard(id: string, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  return createHash("sha256").update(id).digest().readUInt32BE(0) % shard.count === shard.index;
}
