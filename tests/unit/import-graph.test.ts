/**
 * The house's floors are one-way: no module of src/ reaches itself again through its imports, type-only
 * imports included (a type that two modules need lives in a third, as report/report.ts holds `Report`).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../support/repo-root.js";

const IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)\.js";/gms;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Each module's relative imports, as paths of src/ files. */
function importGraph(src: string): Map<string, string[]> {
  const files = sourceFiles(src);
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = readFileSync(file, "utf8");
      const targets = [...text.matchAll(IMPORT)].map((match) =>
        path.resolve(path.dirname(file), `${match[1]}.ts`),
      );
      return [file, targets.filter((target) => known.has(target))];
    }),
  );
}

/** One import circle, as the chain of files from a module back to itself; undefined when there is none. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const chain: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...chain.slice(chain.indexOf(file)), file];
    state.set(file, "open");
    chain.push(file);
    for (const target of graph.get(file) ?? []) {
      const circle = visit(target);
      if (circle) return circle;
    }
    chain.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const circle = visit(file);
    if (circle) return circle;
  }
  return undefined;
}

describe("imports of src/", () => {
  it("find a circle where there is one (the check itself)", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    assert.deepEqual(findCircle(graph), ["a", "b", "c", "a"]);
    assert.equal(
      findCircle(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
      undefined,
    );
  });

  it("form no circle", () => {
    const src = path.join(repoRoot(), "src");
    const graph = importGraph(src);
    assert.ok(graph.size > 100, `only ${graph.size} modules found under ${src}`);
    const circle = findCircle(graph);
    assert.equal(
      circle,
      undefined,
      `an import circle: ${circle?.map((file) => path.relative(src, file)).join(" → ")}`,
    );
  });
});
