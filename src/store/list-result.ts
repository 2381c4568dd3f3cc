import { ownCopies } from "../util/own-copy.js";

/** One page of a ListObjectsV2 answer: what the store's listing reads of it. */
export interface ListPage {
  Contents: Array<{ Key: string; Size: number; ETag: string; LastModified: Date }>;
  CommonPrefixes: Array<{ Prefix: string }>;
  IsTruncated: boolean;
  NextContinuationToken?: string;
}

const CONTENTS = /<Contents>([\s\S]*?)<\/Contents>/g;
const COMMON_PREFIX = /<CommonPrefixes>\s*<Prefix>([^<]*)<\/Prefix>\s*<\/CommonPrefixes>/g;
const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * A ListBucketResult, read with a few patterns where the SDK builds a document tree and walks a schema:
 * a listing of 10,000 keys spent most of its CPU there. Element text cannot hold `<` (XML escapes it), so
 * `[^<]*` takes an element's whole text. Undefined for anything that is not a well-formed page, which the
 * store then asks of the SDK.
 */
export function parseListPage(xml: string): ListPage | undefined {
  if (!/<ListBucketResult[\s>]/.test(xml) || !xml.trimEnd().endsWith("</ListBucketResult>")) return undefined;
  const contents: ListPage["Contents"] = [];
  for (const [, block = ""] of xml.matchAll(CONTENTS)) {
    const key = textOf(block, "Key");
    const size = Number(textOf(block, "Size"));
    const modified = new Date(textOf(block, "LastModified") ?? "");
    if (key === undefined || !Number.isSafeInteger(size) || Number.isNaN(modified.getTime()))
      return undefined;
    contents.push({ Key: key, Size: size, ETag: textOf(block, "ETag") ?? "", LastModified: modified });
  }
  const copies = ownCopies(contents.flatMap((item) => [item.Key, item.ETag]));
  contents.forEach((item, index) => {
    item.Key = copies[2 * index] ?? item.Key;
    item.ETag = copies[2 * index + 1] ?? item.ETag;
  });
  const prefixes = [...xml.matchAll(COMMON_PREFIX)].map(([, prefix = ""]) => ({ Prefix: decode(prefix) }));
  const rest = xml.replace(CONTENTS, "").replace(COMMON_PREFIX, "");
  const truncated = textOf(rest, "IsTruncated");
  if (truncated !== "true" && truncated !== "false") return undefined;
  const page: ListPage = { Contents: contents, CommonPrefixes: prefixes, IsTruncated: truncated === "true" };
  const token = textOf(rest, "NextContinuationToken");
  if (token !== undefined) page.NextContinuationToken = token;
  return page;
}

function textOf(block: string, element: string): string | undefined {
  const start = block.indexOf(`<${element}>`);
  if (start < 0) return undefined;
  const from = start + element.length + 2;
  const end = block.indexOf("<", from);
  if (end < 0 || !block.startsWith(`</${element}>`, end)) return undefined;
  return decode(block.slice(from, end));
}

/** XML's five named entities and its character references; anything else stays as it is. */
function decode(text: string): string {
  const entity = text.indexOf("&");
  if (entity < 0) return text;
  // Every ETag is quoted, `&quot;…&quot;`: the common case without a pattern.
  if (
    entity === 0 &&
    text.startsWith("&quot;") &&
    text.endsWith("&quot;") &&
    text.indexOf("&", 6) === text.length - 6
  )
    return `"${text.slice(6, -6)}"`;
  return text.replace(ENTITY, (whole, name: string) => {
    if (!name.startsWith("#")) return NAMED[name] ?? whole;
    const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
