import { type Challenge, parseChallenge, pullScope } from "./challenge.js";
import type { Credential } from "./credential.js";
import type { Keychain } from "./keychain.js";
import { checkedRealm } from "./realm.js";
import { apiHost } from "./reference.js";
import { RegistryError } from "./registry-error.js";
import { REGISTRY_RETRY_LIMITS, type RetryLimits } from "./retry-policy.js";
import { fetchWithRetries } from "./retrying-fetch.js";
import { registryScheme } from "./scheme.js";

export interface TransportOptions {
  registry: string;
  repository: string;
  keychain: Keychain;
  insecureRegistries?: readonly string[];
  /** Retries, waits and stalls: REGISTRY_RETRY_LIMITS unless given. */
  limits?: RetryLimits;
}

const MAX_REDIRECTS = 10;
const USER_AGENT = "coredump (+https://github.com/IBM/core-dump-handler)";

/**
 * HTTP to one repository of one registry (model: go-containerregistry's remote/transport): answers a 401
 * challenge once with basic credentials or a bearer token scoped to pulling this repository, then keeps
 * the token. Redirects are followed by hand so that `Authorization` never leaves the registry's origin
 * (storage answers 400 to a presigned URL that also carries it). Under each request, GETs are tried
 * again on 429, 502 to 504 and broken or silent connections (retrying-fetch.ts).
 */
export class RegistryTransport {
  readonly origin: string;
  private authorization: string | undefined;
  private credential: Promise<Credential | undefined> | undefined;
  readonly limits: RetryLimits;

  constructor(private readonly options: TransportOptions) {
    const scheme = registryScheme(options.registry, options.insecureRegistries);
    this.origin = `${scheme}://${apiHost(options.registry)}`;
    this.limits = options.limits ?? REGISTRY_RETRY_LIMITS;
  }

  /** GET `path` (from `/v2/`), authenticating when challenged. Non-2xx answers other than 401/403 are returned. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(path, this.origin);
    let response = await this.send(url, headers);
    if (response.status === 401) {
      const header = response.headers.get("www-authenticate") ?? "";
      await response.body?.cancel();
      await this.authenticate(parseChallenge(header));
      response = await this.send(url, headers);
      if (response.status === 401) {
        await response.body?.cancel();
        throw await this.rejected();
      }
    }
    if (response.status === 403) {
      await response.body?.cancel();
      throw new RegistryError(
        "denied",
        `${this.options.registry} denies pulling ${this.options.repository}${await this.asWhom()}: check that this account may read the repository`,
      );
    }
    return response;
  }

  private async send(start: URL, headers: Record<string, string>): Promise<Response> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = url.origin === this.origin;
      const all: Record<string, string> = { "user-agent": USER_AGENT, ...headers };
      if (sameOrigin && this.authorization) all.authorization = this.authorization;
      const response = await this.fetchOrExplain(url, { headers: all, redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new RegistryError(
      "protocol",
      `${this.options.registry} redirected ${start.pathname} more than ${MAX_REDIRECTS} times`,
    );
  }

  private async fetchOrExplain(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetchWithRetries(url, init, this.limits);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? String(error);
      const hint = ["ENOTFOUND", "EAI_AGAIN"].includes(why)
        ? ": its name does not resolve; check the network and DNS (or a proxy), or pull through a registry mirror"
        : ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"].includes(why)
          ? ": no answer; check the network, a firewall or HTTPS_PROXY"
          : url.protocol === "https:" && url.origin === this.origin
            ? `; if it speaks plain HTTP, name it in --insecure-registry`
            : "";
      throw new RegistryError("unreachable", `cannot reach ${url.origin} (${why})${hint}`, { cause: error });
    }
  }

  private async authenticate(challenge: Challenge | undefined): Promise<void> {
    const { registry } = this.options;
    if (challenge?.scheme === "basic") {
      const credential = await this.resolveCredential();
      if (!credential) throw this.needsCredentials();
      if (credential.kind !== "basic")
        throw new RegistryError(
          "unsupported",
          `${registry} asks for a password, but ${credential.source} holds an identity token for it`,
        );
      this.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
      return;
    }
    if (challenge?.scheme === "bearer" && challenge.params.realm) {
      this.authorization = `Bearer ${await this.fetchToken(challenge.params.realm, challenge.params.service)}`;
      return;
    }
    throw new RegistryError(
      "protocol",
      `${registry} answered 401 without a challenge this client understands`,
    );
  }

  private async fetchToken(realm: string, service: string | undefined): Promise<string> {
    const url = checkedRealm(realm, this.options.registry, this.options.insecureRegistries);
    const credential = await this.resolveCredential();
    const scope = pullScope(this.options.repository);
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    let init: RequestInit;
    if (credential?.kind === "identity-token") {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.token,
        scope,
        client_id: "coredump",
      });
      if (service) form.set("service", service);
      headers["content-type"] = "application/x-www-form-urlencoded";
      init = { method: "POST", headers, body: form.toString() };
    } else {
      if (service) url.searchParams.set("service", service);
      url.searchParams.set("scope", scope);
      if (credential) {
        url.searchParams.set("account", credential.username);
        headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
      }
      init = { headers };
    }
    const response = await this.fetchOrExplain(url, { ...init, redirect: "follow" });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw await this.rejected();
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RegistryError(
        "protocol",
        `the token server of ${this.options.registry} (${url.origin}) answered ${response.status}`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "")
      throw new RegistryError(
        "protocol",
        `the token server of ${this.options.registry} answered without a token`,
      );
    return token;
  }

  private resolveCredential(): Promise<Credential | undefined> {
    this.credential ??= this.options.keychain.resolve(this.options.registry);
    return this.credential;
  }

  private async rejected(): Promise<RegistryError> {
    const credential = await this.resolveCredential();
    if (!credential) return this.needsCredentials();
    const who = credential.kind === "basic" ? `user "${credential.username}"` : "the identity token";
    return new RegistryError(
      "bad-credentials",
      `${this.options.registry} rejected the credentials of ${who} (from ${credential.source}) for ${this.options.repository}: log in again (docker login ${this.options.registry})`,
    );
  }

  private needsCredentials(): RegistryError {
    const { registry, repository } = this.options;
    return new RegistryError(
      "needs-credentials",
      `${registry} needs credentials to pull ${repository}: run \`docker login ${registry}\`, set DOCKER_CONFIG, or name a mounted pull secret in COREDUMP_PULL_SECRETS`,
    );
  }

  private async asWhom(): Promise<string> {
    const credential = await this.resolveCredential();
    if (!credential) return " anonymously";
    return credential.kind === "basic" ? ` to user "${credential.username}"` : " with the identity token";
  }
}
