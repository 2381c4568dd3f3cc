import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../settings.js";
import type { Credential } from "./credential.js";
import { askCredentialHelper } from "./credential-helper.js";
import { lookUpDockerConfig } from "./docker-config.js";

/** Turns a registry into credentials, or nothing (anonymous). Model: go-containerregistry's authn. */
export interface Keychain {
  resolve(registry: string): Promise<Credential | undefined>;
}

const PULL_SECRET_FILE = ".dockerconfigjson";

/**
 * Docker's own config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), then Kubernetes
 * pull secrets mounted as files: `COREDUMP_PULL_SECRETS` lists files or folders holding
 * `.dockerconfigjson`, separated by `:`.
 */
export function defaultKeychain(settings: Settings, onProblem?: (message: string) => void): Keychain {
  return configFileKeychain(keychainFiles(settings), settings, onProblem);
}

/** The files the default keychain reads, in its order. */
export function keychainFiles(settings: Pick<Settings, "dockerConfigDir" | "pullSecrets">): string[] {
  return [path.join(settings.dockerConfigDir, "config.json"), ...settings.pullSecrets];
}

function configFileKeychain(
  files: readonly string[],
  settings: Settings,
  onProblem?: (message: string) => void,
): Keychain {
  return {
    async resolve(registry) {
      for (const file of files) {
        const config = await readConfig(file);
        if (!config) continue;
        const answer = lookUpDockerConfig(config.json, registry, config.path);
        if (!answer) continue;
        if (answer.kind !== "helper") return answer;
        const credential = await askCredentialHelper(
          answer.helper,
          registry,
          settings.env,
          settings.limits.credentialHelperMs,
          onProblem,
        );
        if (credential) return credential;
      }
      return undefined;
    },
  };
}

/** A config file, or a folder holding a pull secret's `.dockerconfigjson`. Missing or unreadable: none. */
export async function readConfig(entry: string): Promise<{ path: string; json: unknown } | undefined> {
  try {
    const file = (await stat(entry)).isDirectory() ? path.join(entry, PULL_SECRET_FILE) : entry;
    return { path: file, json: JSON.parse(await readFile(file, "utf8")) };
  } catch {
    return undefined;
  }
}

export const anonymousKeychain: Keychain = { resolve: async () => undefined };
