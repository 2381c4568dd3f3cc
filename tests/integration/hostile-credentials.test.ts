import assert from "node:assert/strict";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { askCredentialHelper } from "../../src/image/credential-helper.js";
import { defaultKeychain } from "../../src/image/keychain.js";
import { readSettings } from "../../src/settings.js";

const REGISTRY = "registry.example.com";

/** A `docker-credential-<name>` on a PATH of its own, running `script`. */
async function helperOnPath(name: string, script: string): Promise<NodeJS.ProcessEnv> {
  const bin = await mkdtemp(path.join(tmpdir(), "coredump-helper-"));
  const file = path.join(bin, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
}

describe("hostile #7: a credential helper that fails is no credentials from it, never a crash", () => {
  const helpers: Array<[string, string]> = [
    ["exits before reading stdin, having closed it", "exec 0<&-\nexit 1"],
    ["exits at once", "exit 3"],
    ["prints garbage", "read server\necho 'not json'"],
    ["is killed by a signal", "kill -9 $$"],
  ];
  for (const [what, script] of helpers) {
    it(`a helper that ${what}: undefined and one line, 20 runs out of 20`, async () => {
      const env = await helperOnPath("hostile", script);
      for (let run = 0; run < 20; run++) {
        const said: string[] = [];
        const credential = await askCredentialHelper("hostile", REGISTRY, env, 10_000, (line) =>
          said.push(line),
        );
        assert.equal(credential, undefined);
        assert.ok(said.length <= 1, said.join("\n"));
      }
    });
  }

  it("a missing helper says it is not installed", async () => {
    const said: string[] = [];
    assert.equal(
      await askCredentialHelper("not-installed-anywhere", REGISTRY, process.env, 10_000, (line) =>
        said.push(line),
      ),
      undefined,
    );
    assert.match(
      said.join("\n"),
      /docker-credential-not-installed-anywhere gave no credentials for registry\.example\.com \(not installed\)/,
    );
  });

  it("after a failed helper, the keychain falls back to the pull secret", async () => {
    const env = await helperOnPath("hostile", "exec 0<&-\nexit 1");
    const docker = await mkdtemp(path.join(tmpdir(), "coredump-docker-"));
    await writeFile(
      path.join(docker, "config.json"),
      JSON.stringify({ credHelpers: { [REGISTRY]: "hostile" } }),
    );
    const secret = await mkdtemp(path.join(tmpdir(), "coredump-pull-secret-"));
    const auth = Buffer.from("puller:pw").toString("base64");
    await writeFile(
      path.join(secret, ".dockerconfigjson"),
      JSON.stringify({ auths: { [REGISTRY]: { auth } } }),
    );
    const said: string[] = [];
    const keychain = defaultKeychain(
      readSettings({ ...env, DOCKER_CONFIG: docker, COREDUMP_PULL_SECRETS: secret }),
      (line) => said.push(line),
    );
    const credential = await keychain.resolve(REGISTRY);
    assert.equal(credential?.kind, "basic");
    assert.equal(credential?.kind === "basic" && credential.username, "puller");
    assert.match(
      said.join("\n"),
      /docker-credential-hostile gave no credentials .*exit status 1.*going on without them/,
    );
  });
});
