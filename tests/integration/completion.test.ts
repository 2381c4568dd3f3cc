import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { execa } from "execa";
import { coredump } from "../support/cli.js";

/** What bash offers after the words typed so far, with the script coredump prints. */
async function complete(script: string, words: string[]): Promise<string[]> {
  const program = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _coredump; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execa("bash", ["-c", program]);
  return stdout.split("\n").filter(Boolean);
}

describe("shell completion", () => {
  it("completes verbs, and each verb's own flags as --help lists them", async () => {
    const { stdout: script, exitCode } = await coredump(["completion", "bash"]);
    assert.equal(exitCode, 0);
    assert.deepEqual(await complete(script, ["coredump", "fe"]), ["fetch"]);
    assert.deepEqual(await complete(script, ["coredump", "debug", "--deb"]), ["--debugger"]);
    assert.deepEqual(await complete(script, ["coredump", "--bucket", "b", "list", "--na"]), ["--namespace"]);
    assert.ok((await complete(script, ["coredump", "report", "--"])).includes("--json"));
    assert.deepEqual(await complete(script, ["coredump", "info", "la"]), ["last"]);
  });

  it("prints a zsh script and refuses other shells", async () => {
    assert.match((await coredump(["completion", "zsh"])).stdout, /^#compdef coredump/);
    assert.equal((await coredump(["completion", "fish"])).exitCode, 2);
  });
});
