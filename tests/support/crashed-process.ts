/** A Node process that crashed for real, and the core the kernel wrote of it. */
export interface CrashedNode {
  core: string;
  /** The official build that ran. */
  node: string;
  nodeVersion: string;
  pid: number;
  signal: number;
  /** What the process printed on stderr. */
  stderr: string;
}
