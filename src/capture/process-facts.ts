import { readFile, readlink } from "node:fs/promises";
import { hostname } from "node:os";
import { ExpectedError } from "../errors.js";
import type { Settings } from "../settings.js";

/** What the handler would have recorded of a process, learned from /proc and, inside a pod, the pod. */
export interface ProcessFacts {
  pid: number;
  exe: string;
  exePath: string;
  hostname: string;
  nodeHostname?: string;
  namespace?: string;
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export async function processFacts(pid: number, settings: Pick<Settings, "nodeName">): Promise<ProcessFacts> {
  const exePath = await readlink(`/proc/${pid}/exe`).catch((error: NodeJS.ErrnoException) => {
    throw new ExpectedError(
      error.code === "ENOENT"
        ? `no process ${pid} is running`
        : `cannot inspect process ${pid}: ${error.message}`,
    );
  });
  const comm = (await readFile(`/proc/${pid}/comm`, "utf8")).trim();
  const namespace = (await readFile(SERVICE_ACCOUNT_NAMESPACE, "utf8").catch(() => "")).trim();
  return {
    pid,
    // The kernel's %e writes `/` as `!`; anything else odd in a process title becomes `_`.
    exe: (comm || exePath.split("/").pop() || "unknown").replaceAll("/", "!").replace(/[^\w.!+-]/g, "_"),
    exePath: exePath.replace(/ \(deleted\)$/, ""),
    // Inside a pod the hostname is the pod's name, which is what the handler records too.
    hostname: hostname(),
    ...(settings.nodeName ? { nodeHostname: settings.nodeName } : {}),
    ...(namespace ? { namespace } : {}),
  };
}
