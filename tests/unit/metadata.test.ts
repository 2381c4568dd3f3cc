import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseDumpInfo,
  parseImageInfo,
  parsePodInfo,
  parsePsInfo,
  parseRuntimeInfo,
} from "../../src/catalog/metadata.js";

describe("parseDumpInfo", () => {
  it("reads the strings the handler writes, decoding the kernel's path", () => {
    const text = `{"uuid":"36C0D272-3295-4474-a16e-00885ba04fed", "dump_file":"x.core", "timestamp": "1631477784",
     "hostname": "crashing-app-848dc79df4-srqkv", "exe": "node", "real_pid": "8", "signal": "4",
     "node_hostname": "10.0.0.12", "path": "!usr!local!bin!node" }`;
    assert.deepEqual(parseDumpInfo(JSON.parse(text)), {
      uuid: "36c0d272-3295-4474-a16e-00885ba04fed",
      dumpFile: "x.core",
      timestamp: 1631477784,
      hostname: "crashing-app-848dc79df4-srqkv",
      exe: "node",
      pid: 8,
      signal: 4,
      nodeHostname: "10.0.0.12",
      exePath: "/usr/local/bin/node",
    });
  });

  it("returns nothing for what is not an object", () => {
    assert.deepEqual(parseDumpInfo(null), {});
    assert.deepEqual(parseDumpInfo([1, 2]), {});
    assert.deepEqual(parseDumpInfo({ signal: "four", real_pid: -1 }), {});
  });
});

describe("pod metadata", () => {
  it("reads the sandbox of crictl inspectp, not its pause image", () => {
    const runtime = {
      status: {
        metadata: { name: "crashing-app-1", namespace: "shop", uid: "u-1" },
        labels: { app: "crashing-app", tier: 3 },
        annotations: { note: "x" },
      },
      info: { image: "registry.k8s.io/pause:3.9" },
    };
    assert.deepEqual(parseRuntimeInfo(runtime), {
      namespace: "shop",
      pod: "crashing-app-1",
      podUid: "u-1",
      labels: { app: "crashing-app" },
      annotations: { note: "x" },
    });
  });

  it("reads crictl pods with and without items", () => {
    const pod = { metadata: { name: "p", namespace: "n", uid: "u" }, labels: {}, annotations: {} };
    assert.equal(parsePodInfo({ items: [pod] }).namespace, "n");
    assert.equal(parsePodInfo(pod).pod, "p");
    assert.deepEqual(parsePodInfo({}), { labels: {}, annotations: {} });
  });

  it("reads the containers of crictl ps", () => {
    const ps = {
      containers: [
        { id: "c1", metadata: { name: "app" }, image: { image: "docker.io/x:1" }, imageRef: "sha256:ab" },
        {},
      ],
    };
    assert.deepEqual(parsePsInfo(ps), [
      { index: 0, id: "c1", name: "app", image: "docker.io/x:1", imageRef: "sha256:ab" },
      { index: 1 },
    ]);
    assert.deepEqual(parsePsInfo({ containers: "no" }), []);
  });
});

describe("parseImageInfo", () => {
  it("reads a crictl img row of 2020 as a tag", () => {
    const row = {
      repo: "docker.io/number9/example-crashing-nodejs-app",
      tag: "latest",
      id: "3b8adc6c30f4e",
      size: "338MB",
    };
    assert.deepEqual(parseImageInfo(row), {
      id: "3b8adc6c30f4e",
      repoTags: ["docker.io/number9/example-crashing-nodejs-app:latest"],
      repoDigests: [],
    });
  });

  it("reads a crictl img -o json element", () => {
    const image = {
      id: "sha256:3b8a",
      repoTags: ["docker.io/a/b:latest"],
      repoDigests: ["docker.io/a/b@sha256:b8fe"],
      size: "338054458",
      uid: { value: "999" },
      username: "node",
    };
    assert.deepEqual(parseImageInfo(image, 1), {
      container: 1,
      id: "sha256:3b8a",
      repoTags: ["docker.io/a/b:latest"],
      repoDigests: ["docker.io/a/b@sha256:b8fe"],
      size: 338054458,
      username: "node",
    });
  });
});
