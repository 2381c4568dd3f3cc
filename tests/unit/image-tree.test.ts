import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImageTree } from "../../src/image/image-tree.js";
import { ancestors, type LayerEntry, LayerIndex, normalizeArchivePath } from "../../src/image/layer-index.js";

const file = (size = 1): LayerEntry => ({ type: "file", size });
const dir: LayerEntry = { type: "directory" };
const link = (target: string): LayerEntry => ({ type: "symlink", target });

/** A layer from tar member names and entries, as the tar lists them. */
function layer(members: Array<[string, LayerEntry]>): LayerIndex {
  const index = new LayerIndex();
  for (const [name, entry] of members) index.add(name, entry);
  return index;
}

/** Layers are given oldest first, as a Dockerfile reads; the tree wants them newest first. */
function tree(...oldestFirst: LayerIndex[]): ImageTree {
  return new ImageTree([...oldestFirst].reverse(), true);
}

describe("archive paths", () => {
  it("normalises tar names and lists ancestors", () => {
    assert.equal(normalizeArchivePath("./usr/local/bin/"), "/usr/local/bin");
    assert.equal(normalizeArchivePath("usr/../etc//passwd"), "/etc/passwd");
    assert.deepEqual(ancestors("/usr/local/bin"), ["/usr/local", "/usr", "/"]);
  });
});

describe("the flattened image", () => {
  it("takes a file from the newest layer that has it", () => {
    const base = layer([
      ["usr/", dir],
      ["usr/local/bin/node", file(1)],
    ]);
    const top = layer([["usr/local/bin/node", file(2)]]);
    assert.deepEqual(tree(base, top).resolve("/usr/local/bin/node"), {
      state: "file",
      path: "/usr/local/bin/node",
      layer: 0,
      archivePath: "/usr/local/bin/node",
      size: 2,
    });
  });

  it("honours a whiteout, and a file added again above it", () => {
    const base = layer([["usr/local/bin/node", file(1)]]);
    const deleted = layer([["usr/local/bin/.wh.node", file(0)]]);
    const again = layer([["usr/local/bin/node", file(3)]]);
    assert.equal(tree(base, deleted).resolve("/usr/local/bin/node").state, "missing");
    const resolved = tree(base, deleted, again).resolve("/usr/local/bin/node");
    assert.equal(resolved.state === "file" && resolved.size, 3);
  });

  it("hides a whole directory below an opaque marker or a whiteout of a parent", () => {
    const base = layer([
      ["opt/node/bin/node", file(1)],
      ["opt/node/bin/npm", file(1)],
    ]);
    const opaque = layer([
      ["opt/node/.wh..wh..opq", file(0)],
      ["opt/node/bin/npm", file(5)],
    ]);
    assert.equal(tree(base, opaque).resolve("/opt/node/bin/node").state, "missing");
    assert.equal(tree(base, opaque).resolve("/opt/node/bin/npm").state, "file");
    const gone = layer([["opt/.wh.node", file(0)]]);
    assert.equal(tree(base, gone).resolve("/opt/node/bin/npm").state, "missing");
  });

  it("follows absolute, relative and chained symlinks, into lower layers, inside the image", () => {
    const base = layer([
      ["opt/node-v18/bin/node", file(7)],
      ["usr/bin/", dir],
    ]);
    const links = layer([
      ["usr/local/bin/node", link("../../bin/nodejs")],
      ["usr/bin/nodejs", link("/opt/node/bin/node")],
      ["opt/node", link("node-v18")],
    ]);
    const resolved = tree(base, links).resolve("/usr/local/bin/node");
    assert.deepEqual(resolved, {
      state: "file",
      path: "/opt/node-v18/bin/node",
      layer: 1,
      archivePath: "/opt/node-v18/bin/node",
      size: 7,
    });
  });

  it("never leaves the image's root, and stops on loops", () => {
    const climbing = layer([
      ["usr/bin/node", link("../../../../../opt/node")],
      ["opt/node", file(4)],
    ]);
    const resolved = tree(climbing).resolve("/usr/bin/node");
    assert.equal(resolved.state === "file" && resolved.path, "/opt/node");
    const loop = layer([
      ["a", link("b")],
      ["b", link("/a")],
    ]);
    assert.match(JSON.stringify(tree(loop).resolve("/a")), /too many levels of symbolic links/);
  });

  it("resolves a hard link to the member that holds the bytes", () => {
    const layered = layer([
      ["usr/bin/nodejs", file(9)],
      ["usr/bin/node", { type: "hardlink", target: "usr/bin/nodejs" }],
    ]);
    assert.deepEqual(tree(layered).resolve("/usr/bin/node"), {
      state: "file",
      path: "/usr/bin/node",
      layer: 0,
      archivePath: "/usr/bin/nodejs",
      size: 9,
    });
  });

  it("says unknown until a layer decides, and missing only when all are read", () => {
    const top = layer([["etc/hostname", file(1)]]);
    assert.deepEqual(new ImageTree([top], false).resolve("/usr/local/bin/node"), { state: "unknown" });
    assert.equal(new ImageTree([top], true).resolve("/usr/local/bin/node").state, "missing");
    const onlyTop = layer([["usr/local/bin/node", file(1)]]);
    assert.equal(new ImageTree([onlyTop], false).resolve("/usr/local/bin/node").state, "file");
  });

  it("does not take a directory or a path through a file for the executable", () => {
    const odd = layer([
      ["usr/bin/node/", dir],
      ["usr/lib", file(1)],
    ]);
    assert.match(JSON.stringify(tree(odd).resolve("/usr/bin/node")), /is a directory/);
    assert.match(JSON.stringify(tree(odd).resolve("/usr/lib/node")), /is not a directory/);
  });
});
