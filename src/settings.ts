import { homedir } from "node:os";
import path from "node:path";
import { REGISTRY_RETRY_LIMITS, type RetryLimits } from "./image/retry-policy.js";

/**
 * A timeout or limit, with the variable that overrides it (in its unit). docs/configuration.md lists
 * each; the table below is the one place their defaults live.
 */
export interface Limit {
  variable: string;
  default: number;
  unit: "seconds" | "count";
}

export const LIMITS = {
  /** A batch debugger run (`debug --batch`) before it is stopped. */
  debuggerBatch: { variable: "COREDUMP_DEBUGGER_TIMEOUT", default: 300, unit: "seconds" },
  /** The short llnode runs: `debug`'s probe before an interactive session, `report`'s second look. */
  debuggerProbe: { variable: "COREDUMP_PROBE_TIMEOUT", default: 60, unit: "seconds" },
  /** `report`'s backtrace and llnode runs. */
  reportRun: { variable: "COREDUMP_REPORT_TIMEOUT", default: 120, unit: "seconds" },
  /** A silent S3 connection, before it is dropped and resumed. */
  storeRead: { variable: "COREDUMP_READ_TIMEOUT", default: 30, unit: "seconds" },
  /** A Docker credential helper's answer. */
  credentialHelper: { variable: "COREDUMP_CREDENTIAL_HELPER_TIMEOUT", default: 30, unit: "seconds" },
  /** Tries of one registry request, the first included. */
  registryAttempts: {
    variable: "COREDUMP_REGISTRY_ATTEMPTS",
    default: REGISTRY_RETRY_LIMITS.attempts,
    unit: "count",
  },
  /** The most one registry request waits between its tries. */
  registryWait: {
    variable: "COREDUMP_REGISTRY_MAX_WAIT",
    default: REGISTRY_RETRY_LIMITS.totalWaitMs / 1000,
    unit: "seconds",
  },
  /** A silent registry connection, before it is given up and tried again or resumed. */
  registryStall: {
    variable: "COREDUMP_REGISTRY_STALL_TIMEOUT",
    default: REGISTRY_RETRY_LIMITS.stallMs / 1000,
    unit: "seconds",
  },
} as const satisfies Record<string, Limit>;

/** The timeouts in milliseconds and the limits, as the environment set them. */
export interface Limits {
  debuggerBatchMs: number;
  debuggerProbeMs: number;
  reportRunMs: number;
  storeReadMs: number;
  credentialHelperMs: number;
  registry: RetryLimits;
}

/**
 * Everything coredump takes from its environment, read once (src/cli/main.ts) and passed down: no room
 * reads `process.env` itself. `env` is kept whole for what reads it by design: child processes
 * (debuggers, credential helpers, build.sh), the S3 variables of the handler and the AWS SDK's chain.
 */
export interface Settings {
  env: NodeJS.ProcessEnv;
  /** `$XDG_CACHE_HOME/coredump`, else `~/.cache/coredump`. */
  cacheDir: string;
  /** `COREDUMP_WORKDIR`, else `~/work` (`--workdir` wins). */
  workdir: string;
  /** `COREDUMP_DEBUGGER` (`--debugger` wins). */
  debugger: string | undefined;
  /** `LLNODE_PLUGIN`, `LLDB`, `GDB`, `GCORE`. */
  llnodePlugin: string | undefined;
  lldb: string | undefined;
  gdb: string;
  /** `DLV`: Delve, for Go cores. */
  dlv: string;
  gcore: string;
  /** `PATH`, where programs are looked for. */
  path: string;
  /** npm's global prefix (`npm_config_prefix`), where a global llnode may be. */
  npmPrefix: string | undefined;
  /** `DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir: string;
  /** `COREDUMP_PULL_SECRETS`: files or folders of mounted pull secrets. */
  pullSecrets: string[];
  /** `COREDUMP_INSECURE_REGISTRIES` (`--insecure-registry` adds to them). */
  insecureRegistries: string[];
  /** `NODE_NAME`: the node's hostname for `capture`'s dump-info. */
  nodeName: string | undefined;
  /** `COREDUMP_DEBUG=1`: stack traces with errors. */
  showStacks: boolean;
  /** `COREDUMP_SOURCE_MAPS`: a build folder with the service's source maps (`--source-maps` wins). */
  sourceMapsDir: string | undefined;
  limits: Limits;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const home = env.HOME || homedir();
  const seconds = (limit: Limit) => override(env, limit) * 1000;
  return {
    env,
    cacheDir: path.join(
      env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
        ? env.XDG_CACHE_HOME
        : path.join(homedir(), ".cache"),
      "coredump",
    ),
    workdir: path.resolve(env.COREDUMP_WORKDIR ?? path.join(homedir(), "work")),
    debugger: env.COREDUMP_DEBUGGER,
    llnodePlugin: env.LLNODE_PLUGIN || undefined,
    lldb: env.LLDB || undefined,
    gdb: env.GDB ?? "gdb",
    dlv: env.DLV || "dlv",
    gcore: env.GCORE ?? "gcore",
    path: env.PATH ?? "",
    npmPrefix: env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX,
    dockerConfigDir: env.DOCKER_CONFIG || path.join(home, ".docker"),
    pullSecrets: (env.COREDUMP_PULL_SECRETS ?? "").split(":").filter((entry) => entry !== ""),
    insecureRegistries: (env.COREDUMP_INSECURE_REGISTRIES ?? "")
      .split(/[\s,]+/)
      .filter((name) => name !== ""),
    nodeName: env.NODE_NAME || undefined,
    showStacks: env.COREDUMP_DEBUG === "1",
    sourceMapsDir: env.COREDUMP_SOURCE_MAPS ? path.resolve(env.COREDUMP_SOURCE_MAPS) : undefined,
    limits: {
      debuggerBatchMs: seconds(LIMITS.debuggerBatch),
      debuggerProbeMs: seconds(LIMITS.debuggerProbe),
      reportRunMs: seconds(LIMITS.reportRun),
      storeReadMs: seconds(LIMITS.storeRead),
      credentialHelperMs: seconds(LIMITS.credentialHelper),
      registry: {
        ...REGISTRY_RETRY_LIMITS,
        attempts: override(env, LIMITS.registryAttempts),
        totalWaitMs: seconds(LIMITS.registryWait),
        stallMs: seconds(LIMITS.registryStall),
      },
    },
  };
}

/** The variable's value when it is a positive number, else the default. */
function override(env: NodeJS.ProcessEnv, limit: Limit): number {
  const value = Number(env[limit.variable]);
  if (!Number.isFinite(value) || value <= 0) return limit.default;
  return limit.unit === "count" ? Math.round(value) : value;
}
