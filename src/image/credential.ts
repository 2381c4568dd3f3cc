/** What a keychain found for one registry. `source` says where, for messages: never the secret itself. */
export type Credential =
  | { kind: "basic"; username: string; password: string; source: string }
  | { kind: "identity-token"; username?: string; token: string; source: string };

/** A registry's `auths` key names the host in many spellings: URL or host, with or without `/v1/`. */
export function registryOfAuthKey(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "");
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

/** The server URL a credential helper is asked about: Docker Hub's is its v1 index URL. */
export function helperServerUrl(registry: string): string {
  return registry === "docker.io" ? "https://index.docker.io/v1/" : registry;
}
