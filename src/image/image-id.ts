/**
 * Whether a config digest is the image id that image-info recorded: a full `sha256:…`, or the 2020
 * format's `crictl img` column, a hex prefix of at least 12 characters.
 */
export function matchesImageId(configDigest: string, imageId: string): boolean {
  const wanted = imageId
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
  const actual = configDigest.toLowerCase().replace(/^sha256:/, "");
  if (!/^[0-9a-f]+$/.test(wanted)) return true;
  return wanted.length >= 64 ? actual === wanted : wanted.length >= 12 && actual.startsWith(wanted);
}
