import { type ExecFileException, execFile } from "node:child_process";
import { type Credential, helperServerUrl } from "./credential.js";

/**
 * Asks `docker-credential-<helper> get` for a registry's credential, as Docker does: the server URL on
 * stdin, `{ServerURL, Username, Secret}` on stdout. A `<token>` user name means the secret is an identity
 * token. Undefined when the helper has none, is not installed or fails in any way (exits early, closes
 * its stdin unread, times out): that is "no credentials from it", said through `onProblem`.
 */
export function askCredentialHelper(
  helper: string,
  registry: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  onProblem: (message: string) => void = () => {},
): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve) => {
    const child = execFile(program, ["get"], { env, timeout: timeoutMs }, (error, stdout) => {
      if (error) {
        onProblem(
          `${program} gave no credentials for ${registry} (${helperFailure(error, timeoutMs)}): going on without them`,
        );
        resolve(undefined);
        return;
      }
      resolve(parseHelperAnswer(stdout, program));
    });
    // A helper that exits before reading its stdin makes this write fail with EPIPE: its exit says enough.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(helperServerUrl(registry));
  });
}

function helperFailure(error: ExecFileException, timeoutMs: number): string {
  if (error.code === "ENOENT") return "not installed";
  if (error.killed) return `no answer within ${timeoutMs / 1000} s`;
  return typeof error.code === "number" ? `exit status ${error.code}` : String(error.code ?? error.message);
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
