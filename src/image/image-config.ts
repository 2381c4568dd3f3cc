/** The parts of an image's config blob this tool uses: its platform and its PATH. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  path?: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function parseImageConfig(body: Buffer): ImageConfig {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
  const config: ImageConfig = {};
  if (typeof json.architecture === "string") config.architecture = json.architecture;
  if (typeof json.os === "string") config.os = json.os;
  const inner = json.config as { Env?: unknown } | null | undefined;
  const env = Array.isArray(inner?.Env) ? inner.Env : [];
  const pathEntry = env.find(
    (entry): entry is string => typeof entry === "string" && entry.startsWith("PATH="),
  );
  if (pathEntry) config.path = pathEntry.slice("PATH=".length);
  return config;
}

/** Where a command named `name` would be found on the image's PATH, in order. */
export function pathCandidates(config: ImageConfig, name: string): string[] {
  return (config.path ?? DEFAULT_PATH)
    .split(":")
    .filter((dir) => dir.startsWith("/"))
    .map((dir) => `${dir.replace(/\/+$/, "")}/${name}`);
}
