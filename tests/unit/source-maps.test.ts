import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { transformSync } from "esbuild";
import { declaredNameAt } from "../../src/heap/constructor-sites.js";
import { codeExcerpt } from "../../src/sourcemaps/code-excerpt.js";
import { DecodedMap } from "../../src/sourcemaps/decoded-map.js";
import { isInApp } from "../../src/sourcemaps/in-app.js";
import { findMapReference, findMapUrls, joinInside } from "../../src/sourcemaps/map-reference.js";
import { declaredClassName, originalName } from "../../src/sourcemaps/original-name.js";
import { scriptPathOf } from "../../src/sourcemaps/script-path.js";

const SOURCE = [
  "export function displayName(user: { profile?: { name: string } }): string {",
  "  return user.profile!.name.toUpperCase();",
  "}",
  "export const page = (user: { profile?: { name: string } }) => '<h1>' + displayName(user);",
  "",
].join("\n");

/** The snippet minified by esbuild, with its map; positions in it found by content. */
function minified() {
  const { code, map } = transformSync(SOURCE, {
    loader: "ts",
    minify: true,
    sourcemap: "external",
    sourcefile: "users.ts",
    format: "esm",
  });
  const decoded = DecodedMap.decode(map, "/app/dist/users.js.map");
  assert.ok(decoded instanceof DecodedMap, JSON.stringify(decoded));
  const at = (needle: string) => ({ line: 1, column: code.indexOf(needle) + 1 });
  return { code, map: decoded, json: map, at };
}

describe("finding a script's source map", () => {
  it("the last sourceMappingURL comment wins; relative paths resolve in the script's tree, never above its root", () => {
    const script = "a();\n//# sourceMappingURL=old.map\nb();\n//# sourceMappingURL=../maps/server.js.map\n";
    assert.deepEqual(findMapReference(script, "/app/dist/server.js"), {
      kind: "file",
      path: "/app/maps/server.js.map",
    });
    assert.deepEqual(findMapReference("//# sourceMappingURL=../../../../etc/x.map", "/app/a.js"), {
      kind: "file",
      path: "/etc/x.map",
    });
    assert.equal(joinInside("/app", "../../../../../etc/passwd"), "/etc/passwd");
    assert.equal(findMapReference("no comment here", "/app/a.js"), undefined);
  });

  it("inline maps are decoded, network URLs only named, other schemes not read", () => {
    const json = '{"version":3}';
    const base64 = `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(json).toString("base64")}`;
    assert.deepEqual(findMapReference(base64, "/a.js"), { kind: "inline", json });
    assert.deepEqual(
      findMapReference(`//# sourceMappingURL=data:application/json,${encodeURIComponent(json)}`, "/a.js"),
      {
        kind: "inline",
        json,
      },
    );
    assert.deepEqual(findMapReference("//# sourceMappingURL=https://cdn.example/a.js.map", "/a.js"), {
      kind: "network",
      url: "https://cdn.example/a.js.map",
    });
    assert.equal(findMapReference("//# sourceMappingURL=webpack://x/a.map", "/a.js")?.kind, "other");
  });

  it("in a core's bytes: URLs end at a control byte, and Node's own template of an inline URL is none", () => {
    const bytes =
      "\x00\n\n//# sourceMappingURL=data:application/json;base64,\x00\x00//# sourceMappingURL=server.mjs.map\x00x";
    assert.deepEqual(findMapUrls(bytes), ["server.mjs.map"]);
  });

  it("a frame's script: paths and file URLs, not Node's own or evaluated code", () => {
    assert.equal(scriptPathOf("file:///app/bundle/server%20x.mjs"), "/app/bundle/server x.mjs");
    assert.equal(scriptPathOf("/app/dist/a.js"), "/app/dist/a.js");
    for (const other of ["node:internal/timers", "[eval]", "<anonymous>", "https://x/a.js", ""])
      assert.equal(scriptPathOf(other), undefined, other);
  });
});

describe("a decoded map", () => {
  it("maps a minified position to the original one, index maps (sections) alike", () => {
    const { map, json, at } = minified();
    const throwing = at("name.toUpperCase");
    const original = map.originalAt(throwing.line, throwing.column);
    assert.equal(original?.source, "/app/dist/users.ts");
    assert.equal(original?.line, 2);
    assert.equal(
      SOURCE.split("\n")[1]
        ?.slice((original?.column ?? 0) - 1)
        .startsWith("name"),
      true,
    );
    const index = DecodedMap.decode(
      JSON.stringify({ version: 3, sections: [{ offset: { line: 0, column: 0 }, map: JSON.parse(json) }] }),
      "/app/dist/users.js.map",
    );
    assert.ok(index instanceof DecodedMap);
    assert.deepEqual(index.originalAt(throwing.line, throwing.column), original);
    assert.equal(map.contentOf("/app/dist/users.ts"), SOURCE);
  });

  it("names a function as node --enable-source-maps does: the name at its start, else at its caller's call site", () => {
    const { code, map, at } = minified();
    const inner = /function (\w+)\(/.exec(code)?.[1] ?? "";
    const site = { function: inner, file: "/app/dist/users.js", ...at("name.toUpperCase") };
    const start = at(`function ${inner}`);
    assert.equal(
      originalName(map, { ...site, functionStart: { line: 1, column: start.column + 9 } }, undefined),
      "displayName",
    );
    const caller = { function: "page", file: "/app/dist/users.js", ...at(`${inner}(`) };
    assert.equal(originalName(map, site, caller), "displayName");
    // A caller in another script says nothing of this one; V8's name stays, its alias goes.
    assert.equal(
      originalName(map, { ...site, function: `${inner} [as run]` }, { ...caller, file: "/app/other.js" }),
      inner,
    );
    assert.equal(originalName(map, { ...site, function: `new ${inner}` }, caller), "new displayName");
  });

  it("names a minified class as declared: the map's name at its binding, else the class its source declares there", () => {
    const source = [
      "export class Session {",
      "  id: number;",
      "  constructor(id: number) { this.id = id; }",
      "}",
      "export const sessions = [new Session(1)];",
      "",
    ].join("\n");
    const { code, map } = transformSync(source, {
      loader: "ts",
      minify: true,
      sourcemap: "external",
      sourcefile: "session.ts",
      format: "esm",
    });
    const decoded = DecodedMap.decode(map, "/app/dist/session.js.map");
    assert.ok(decoded instanceof DecodedMap);
    const start = code.indexOf("class");
    const binding = declaredNameAt(code, start);
    assert.notEqual(code.slice(binding, binding + 7), "Session", code);
    assert.match(code.slice(binding), /^[\w$]+\{/, code);
    assert.equal(decoded.nameAt(1, binding + 1), "Session");
    // One column off the binding, the map names nothing: a name is never borrowed from a nearby token.
    assert.equal(decoded.nameAt(1, binding + 2), undefined);
    const point = decoded.originalAt(1, start + 1);
    assert.ok(point);
    assert.equal(declaredClassName(source, point.line, point.column), "Session");
    // A class bound by assignment (`var s=class{`) is named by its binding; a function by its name.
    assert.equal(declaredNameAt("var s=class{show(){}}", 6), 4);
    assert.equal(declaredNameAt("function Cart(items){}", 13), 9);
    assert.equal(declaredNameAt("class extends Base{}", 0), 0);
    // A class's own constructor starts at its parameters: named by its class.
    const declared = "var t=class extends Base{constructor(r){super();this.id=r}id}";
    assert.equal(declaredNameAt(declared, declared.indexOf("(r)")), 4);
  });

  it("ignoreList and x_google_ignoreList mark sources; node: and node_modules are not in-app", () => {
    for (const field of ["ignoreList", "x_google_ignoreList"]) {
      const map = DecodedMap.decode(
        JSON.stringify({
          version: 3,
          sources: ["a.ts", "vendor.ts"],
          names: [],
          mappings: "AAAA",
          [field]: [1],
        }),
        "/app/a.js.map",
      );
      assert.ok(map instanceof DecodedMap);
      assert.equal(map.ignores("/app/vendor.ts"), true, field);
      assert.equal(map.ignores("/app/a.ts"), false, field);
    }
    assert.equal(isInApp("/app/src/a.ts", false), true);
    assert.equal(isInApp("/app/src/a.ts", true), false);
    assert.equal(isInApp("/app/node_modules/x/index.js", false), false);
    assert.equal(isInApp("node:internal/timers", false), false);
  });

  it("a malformed map is a problem, not an exception", () => {
    for (const text of ["", "[]", '{"version":3}', '{"version":3,"mappings":"","sources":{}}', "{"]) {
      const decoded = DecodedMap.decode(text, "/a.js.map");
      assert.ok(!(decoded instanceof DecodedMap), text);
      assert.ok(decoded.problem.length > 0);
    }
  });
});

describe("the lines of code", () => {
  it("a long line is clipped around the column, the caret still under it", () => {
    const line = `${"x".repeat(300)}BOOM${"y".repeat(300)}`;
    const excerpt = codeExcerpt(`first\n${line}\nlast`, {
      file: "/a.js",
      line: 2,
      column: 301,
      from: "test",
    });
    assert.ok(excerpt);
    const shown = excerpt.lines.find((entry) => entry.line === 2)?.text ?? "";
    assert.ok(shown.length <= 122, shown);
    assert.equal(shown.slice(excerpt.caret - 1, excerpt.caret + 3), "BOOM");
    assert.deepEqual(
      excerpt.lines.map((entry) => entry.line),
      [1, 2, 3],
    );
    assert.equal(codeExcerpt("one line", { file: "/a.js", line: 5, column: 1, from: "test" }), undefined);
  });
});
