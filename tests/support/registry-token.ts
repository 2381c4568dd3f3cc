/**
 * The bearer tokens the distribution registry accepts (`auth.token`): ES256 JWTs whose header `kid` is the
 * signing key's id in libtrust form, the format Docker's registry has always used for key ids.
 */
import { createHash, createPublicKey, createSign, type KeyObject, randomBytes } from "node:crypto";

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** base32 (RFC 4648) of the first 30 bytes of sha256(DER SubjectPublicKeyInfo), in 12 groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  const base32 = toBase32(createHash("sha256").update(der).digest().subarray(0, 30));
  return base32.match(/.{4}/g)?.join(":") ?? base32;
}

export function signToken(
  privateKey: KeyObject,
  claims: { issuer: string; subject: string; audience: string; access: Access[]; lifetimeSeconds?: number },
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "ES256", kid: libtrustKeyId(privateKey) };
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.audience,
    exp: now + (claims.lifetimeSeconds ?? 300),
    nbf: now - 10,
    iat: now,
    jti: randomBytes(12).toString("hex"),
    access: claims.access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign("SHA256")
    .update(signingInput)
    .sign({ key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${base64url(signature)}`;
}

/** Parses `repository:<name>:<actions>` scopes; anything else is ignored. */
export function parseScopes(scopes: readonly string[]): Access[] {
  const access: Access[] = [];
  for (const scope of scopes) {
    for (const one of scope.split(" ")) {
      const [type, name, actions] = one.split(":");
      if (type === "repository" && name && actions) access.push({ type, name, actions: actions.split(",") });
    }
  }
  return access;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function toBase32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
