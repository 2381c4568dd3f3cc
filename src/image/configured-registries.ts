import type { Settings } from "../settings.js";
import { asObject } from "../util/as-object.js";
import { registryOfAuthKey } from "./credential.js";
import { lookUpDockerConfig } from "./docker-config.js";
import { keychainFiles, readConfig } from "./keychain.js";

/** One registry that the keychain's files give credentials for, and of which kind: never the secret. */
export interface ConfiguredRegistry {
  registry: string;
  /** `basic`, `identity-token`, or `helper docker-credential-NAME` (not run: a helper may prompt). */
  kind: string;
  source: string;
}

/** Every registry named in the Docker config and pull secrets, as the keychain would answer for it. */
export async function configuredRegistries(settings: Settings): Promise<ConfiguredRegistry[]> {
  const found = new Map<string, ConfiguredRegistry>();
  for (const file of keychainFiles(settings)) {
    const config = await readConfig(file);
    if (!config) continue;
    const root = asObject(config.json);
    const names = [...Object.keys(asObject(root.credHelpers)), ...Object.keys(asObject(root.auths))];
    for (const registry of names.map(registryOfAuthKey)) {
      if (found.has(registry)) continue;
      const answer = lookUpDockerConfig(config.json, registry, config.path);
      if (!answer) continue;
      const kind = answer.kind === "helper" ? `helper docker-credential-${answer.helper}` : answer.kind;
      found.set(registry, { registry, kind, source: answer.source });
    }
  }
  return [...found.values()];
}
