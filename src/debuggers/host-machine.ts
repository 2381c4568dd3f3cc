/** Node's `process.arch` names, as the kernel names the machine (`uname -m`) and `Machine.name` spells it. */
const HOST_MACHINES: Record<string, string> = {
  x64: "x86_64",
  arm64: "aarch64",
  ia32: "i386",
  arm: "arm",
  ppc64: "ppc64",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loongarch64",
};

/** The machine this process runs on: x86_64, aarch64 … */
export function hostMachineName(arch: string = process.arch): string {
  return HOST_MACHINES[arch] ?? arch;
}
