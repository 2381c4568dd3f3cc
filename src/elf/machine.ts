/** ELF `e_machine` values this tool names, with the OCI platform architecture of each. */
const MACHINES: Record<number, { name: string; ociArchitecture: string }> = {
  3: { name: "i386", ociArchitecture: "386" },
  8: { name: "mips", ociArchitecture: "mips64le" },
  20: { name: "ppc", ociArchitecture: "ppc" },
  21: { name: "ppc64", ociArchitecture: "ppc64le" },
  22: { name: "s390x", ociArchitecture: "s390x" },
  40: { name: "arm", ociArchitecture: "arm" },
  62: { name: "x86_64", ociArchitecture: "amd64" },
  183: { name: "aarch64", ociArchitecture: "arm64" },
  243: { name: "riscv64", ociArchitecture: "riscv64" },
  258: { name: "loongarch64", ociArchitecture: "loong64" },
};

export interface Machine {
  /** `e_machine` as stored. */
  code: number;
  /** The kernel's name (`uname -m`): x86_64, aarch64 … */
  name: string;
  /** The architecture in OCI platforms and Node's download names: amd64, arm64 … */
  ociArchitecture: string;
}

export function machineOf(code: number): Machine {
  const known = MACHINES[code];
  return {
    code,
    name: known?.name ?? `machine-${code}`,
    ociArchitecture: known?.ociArchitecture ?? `unknown-${code}`,
  };
}

/** How messages name a machine: `aarch64 (arm64)`, `x86_64 (amd64)`. */
export function machineLabel(machine: Machine): string {
  return machine.ociArchitecture === machine.name
    ? machine.name
    : `${machine.name} (${machine.ociArchitecture})`;
}

/** The machine of that kernel name (`aarch64`), as `machineOf` gives it; `undefined` for an unknown name. */
export function machineNamed(name: string): Machine | undefined {
  const code = Object.entries(MACHINES).find(([, known]) => known.name === name)?.[0];
  return code === undefined ? undefined : machineOf(Number(code));
}
