/** `http://AK:secret@host` → `http://***@host`: a password in a URL is never printed, whatever quotes it. */
export function redactUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}
