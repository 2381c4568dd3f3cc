import { ExpectedError } from "../errors.js";
export type RegistryErrorKind =
  | "unreachable"
  | "needs-credentials"
  | "bad-credentials"
  | "denied"
  | "not-found"
  | "digest-mismatch"
  | "unsupported"
  | "no-platform"
  | "wrong-image"
  | "protocol";

/** Why an image could not be read, in one line that says what to do next. */
export class RegistryError extends ExpectedError {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}
