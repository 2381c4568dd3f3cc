import { asObject } from "../util/as-object.js";
import { type Credential, registryOfAuthKey } from "./credential.js";

/** Where `config.json` (or a pull secret's `.dockerconfigjson`) sends us for one registry. */
export type ConfigAnswer = Credential | { kind: "helper"; helper: string; source: string };

type Json = Record<string, unknown>;

/**
 * Looks a registry up in a Docker config as Docker does: `credHelpers` for that registry first, then an
 * `auths` entry that holds a secret (`auth`, `username`/`password`, `identitytoken`), then `credsStore`.
 */
export function lookUpDockerConfig(
  config: unknown,
  registry: string,
  source: string,
): ConfigAnswer | undefined {
  const root = asObject(config);
  for (const [key, helper] of Object.entries(asObject(root.credHelpers))) {
    if (typeof helper === "string" && helper !== "" && registryOfAuthKey(key) === registry)
      return { kind: "helper", helper, source: `${source} (credHelpers)` };
  }
  for (const [key, value] of Object.entries(asObject(root.auths))) {
    if (registryOfAuthKey(key) !== registry) continue;
    const credential = credentialOfAuthEntry(asObject(value), source);
    if (credential) return credential;
  }
  if (typeof root.credsStore === "string" && root.credsStore !== "")
    return { kind: "helper", helper: root.credsStore, source: `${source} (credsStore)` };
  return undefined;
}

function credentialOfAuthEntry(entry: Json, source: string): Credential | undefined {
  let username = text(entry.username);
  let password = text(entry.password);
  const auth = text(entry.auth);
  if (auth) {
    const decoded = Buffer.from(auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const token = text(entry.identitytoken);
  if (token)
    return username
      ? { kind: "identity-token", username, token, source }
      : { kind: "identity-token", token, source };
  if (username && password !== undefined) return { kind: "basic", username, password, source };
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
