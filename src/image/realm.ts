import { RegistryError } from "./registry-error.js";
import { isLoopback, registryScheme } from "./scheme.js";

/**
 * The token realm a registry's challenge names, checked before any credential goes to it (in the spirit
 * of go-containerregistry's realm validation): an https URL without user info; plain http only on a
 * loopback address (the tests' token server) or for a registry the user named insecure.
 */
export function checkedRealm(
  realm: string,
  registry: string,
  insecureRegistries: readonly string[] = [],
): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError(
      "protocol",
      `${registry} names a token realm that is not a URL (${JSON.stringify(realm)})`,
    );
  }
  if (url.username || url.password)
    throw new RegistryError("protocol", `${registry} names a token realm with user info in it: refused`);
  if (url.protocol === "https:") return url;
  // A registry on loopback speaks plain HTTP by Docker's rule; that says nothing about its token server.
  const namedInsecure =
    registryScheme(registry, insecureRegistries) === "http" && registryScheme(registry) === "https";
  const plainAllowed = isLoopback(url.hostname.replace(/^\[|\]$/g, "")) || namedInsecure;
  if (url.protocol === "http:" && plainAllowed) return url;
  throw new RegistryError(
    "protocol",
    `${registry} sends for tokens to ${url.origin}, which is not https: coredump sends no credentials there (name the registry in --insecure-registry if it is yours)`,
  );
}
