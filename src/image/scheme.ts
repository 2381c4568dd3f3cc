import { isIP } from "node:net";

/**
 * Docker's rule: registries on loopback addresses speak plain HTTP, as do those the user names as
 * insecure (`--insecure-registry`, `COREDUMP_INSECURE_REGISTRIES`); every other registry HTTPS.
 */
export function registryScheme(
  registry: string,
  insecureRegistries: readonly string[] = [],
): "http" | "https" {
  const host = hostOf(registry);
  if (isLoopback(host)) return "http";
  const named = insecureRegistries.map((entry) =>
    entry
      .trim()
      .replace(/^https?:\/\//, "")
      .replace(/\/+$/, ""),
  );
  return named.includes(registry) || named.includes(host) ? "http" : "https";
}

function hostOf(registry: string): string {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  const colon = registry.lastIndexOf(":");
  return colon === -1 ? registry : registry.slice(0, colon);
}

export function isLoopback(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}
