const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** Decimal units, as `ls -h --si` and S3 consoles show them. */
export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return "-";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/**
 * `2026-11-26 09:04:12 UTC`, or `2026-11-26 10:04:12 +01:00`: the local time with its zone, as a time
 * read across clusters and colleagues means nothing without one.
 */
export function formatTime(date: Date | undefined): string {
  if (!date) return "-";
  const two = (value: number) => String(Math.abs(value)).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const zone =
    offset === 0 ? "UTC" : `${offset < 0 ? "-" : "+"}${two(Math.trunc(offset / 60))}:${two(offset % 60)}`;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone}`;
}

/** `3h ago`, `2d ago`: how long since. */
export function formatAge(date: Date | undefined, now = new Date()): string {
  if (!date) return "";
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 0) return "in the future";
  const steps: Array<[number, string]> = [
    [86400, "d"],
    [3600, "h"],
    [60, "m"],
  ];
  for (const [size, unit] of steps) if (seconds >= size) return `${Math.floor(seconds / size)}${unit} ago`;
  return `${seconds}s ago`;
}
