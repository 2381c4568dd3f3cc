import { execFile } from "node:child_process";
import { type Credential, helperServerUrl } from "./credential.js";

/**
 * Asks `docker-credential-<helper> get` for a registry's credential, as Docker does: the server URL on
 * stdin, `{ServerURL, Username, Secret}` on stdout. A `<token>` user name means the secret is an identity
 * token. Undefined when the helper has none or is not installed.
 */
export function askCredentialHelper(
  helper: string,
  registry: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve) => {
    const child = execFile(program, ["get"], { env, timeout: timeoutMs }, (error, stdout) => {
      if (error) {
        resolve(undefined);
        return;
      }
      resolve(parseHelperAnswer(stdout, program));
    });
    child.stdin?.end(helperServerUrl(registry));
  });
}

export function parseHelperAnswer(stdout: string, source: string): Credential | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (answer === null || typeof answer !== "object") return undefined;
  const { Username: username, Secret: secret } = answer as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== "string" || secret === "") return undefined;
  if (username === "<token>") return { kind: "identity-token", token: secret, source };
  if (typeof username !== "string") return undefined;
  return { kind: "basic", username, password: secret, source };
}
