/** A parsed JSON value as an object to read fields from: anything else (null, an array, a scalar) is `{}`. */
export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
