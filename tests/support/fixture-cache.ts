/**
 * Folders of test fixtures made once and kept under `<repo>/.cache/fixtures/<name>/`. Each is made in a
 * fresh staging folder beside it and published with one rename when complete, so that test processes running
 * side by side never see (or clobber) a half-made entry: the first to publish wins, the others keep theirs.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

export interface FixtureRecipe<T> {
  /** The entry's folder name, e.g. `core-v20.20.2-112eb89d5264`: what it depends on goes into it. */
  name: string;
  /** Reads a published entry; `undefined` when it is incomplete or stale (it is then made again). */
  read: (entry: string) => Promise<T | undefined>;
  /** Fills `stage`, an empty folder (mode 0700) that becomes the entry. */
  make: (stage: string) => Promise<void>;
}

/** The entry named by `recipe`, read from the cache, or made, published and read. */
export async function cachedFixture<T>(recipe: FixtureRecipe<T>): Promise<T> {
  const fixtures = join(repoRoot(), ".cache", "fixtures");
  const entry = join(fixtures, recipe.name);
  const cached = await recipe.read(entry);
  if (cached) return cached;

  await mkdir(fixtures, { recursive: true });
  if ((await clearBrokenEntry(entry, fixtures, recipe.read)) === "clear") {
    const stage = join(fixtures, `.stage-${process.pid}-${randomBytes(4).toString("hex")}`);
    await mkdir(stage, { mode: 0o700 });
    try {
      await recipe.make(stage);
      await publish(stage, entry);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }
  // Either ours or that of a concurrent process that published first.
  const fresh = await recipe.read(entry);
  if (!fresh) throw new Error(`fixture cache: ${entry} is incomplete right after it was written`);
  return fresh;
}

/** Renames `stage` to `entry`; if another process got there first, keeps theirs. */
async function publish(stage: string, entry: string) {
  try {
    await rename(stage, entry);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

/**
 * Moves a broken entry (a core deleted by hand, an older meta.json) out of the way. Published entries are
 * never modified, so one that is invalid now stays invalid, unless a concurrent process replaced it in the
 * meantime: check again right before.
 */
async function clearBrokenEntry<T>(
  entry: string,
  fixtures: string,
  read: (entry: string) => Promise<T | undefined>,
): Promise<"valid" | "clear"> {
  if (await read(entry)) return "valid";
  const trash = join(fixtures, `.trash-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await rename(entry, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "clear";
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
  return "clear";
}
