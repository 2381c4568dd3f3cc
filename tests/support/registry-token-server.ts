/**
 * A token server for the rig's token-auth registry, as Docker Hub's auth service behaves: anonymous
 * requests get pull tokens (except for `private/…` repositories); a known user with the right password,
 * or a known identity token (OAuth2 refresh_token grant), gets what it asks for; a wrong password is 401.
 *
 * Run as `node dist/tests/support/registry-token-server.js CONFIG.json` (tests/rig/registry.sh does);
 * CONFIG names `port`, `key` (PEM, EC P-256), `issuer`, `service`, `users` and `identityTokens`.
 */

import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { type Access, parseScopes, signToken } from "./registry-token.js";

export interface TokenServerConfig {
  port: number;
  key: string;
  issuer: string;
  service: string;
  /** user → password */
  users: Record<string, string>;
  /** identity token → user */
  identityTokens: Record<string, string>;
}

export function tokenServer(config: TokenServerConfig, privateKey: KeyObject): http.Server {
  return http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (url.pathname !== "/token") return answer(response, 404, { error: "not found" });
      const form = new URLSearchParams(
        request.method === "POST" ? Buffer.concat(chunks).toString("utf8") : "",
      );
      const subject = authenticate(config, request.headers.authorization, form);
      if (subject === null)
        return answer(response, 401, { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] });
      const requested = parseScopes([...url.searchParams.getAll("scope"), ...form.getAll("scope")]);
      const token = signToken(privateKey, {
        issuer: config.issuer,
        subject: subject ?? "",
        audience: url.searchParams.get("service") ?? form.get("service") ?? config.service,
        access: grant(requested, subject),
      });
      answer(response, 200, {
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      });
    });
  });
}

/** The user, undefined for anonymous, null for credentials that are wrong. */
function authenticate(
  config: TokenServerConfig,
  authorization: string | undefined,
  form: URLSearchParams,
): string | undefined | null {
  const grantType = form.get("grant_type");
  if (grantType === "refresh_token") return config.identityTokens[form.get("refresh_token") ?? ""] ?? null;
  if (grantType === "password") {
    const user = form.get("username") ?? "";
    return config.users[user] !== undefined && config.users[user] === form.get("password") ? user : null;
  }
  if (!authorization?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, colon);
  return colon > 0 && config.users[user] !== undefined && config.users[user] === decoded.slice(colon + 1)
    ? user
    : null;
}

function grant(requested: Access[], subject: string | undefined): Access[] {
  if (subject !== undefined) return requested;
  return requested
    .filter((access) => !access.name.startsWith("private/"))
    .map((access) => ({ ...access, actions: access.actions.filter((action) => action === "pull") }));
}

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: registry-token-server.js CONFIG.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as TokenServerConfig;
  const key = createPrivateKey(readFileSync(config.key));
  tokenServer(config, key).listen(config.port, "127.0.0.1", () => {
    console.log(`token server on http://127.0.0.1:${config.port}/token`);
  });
}
