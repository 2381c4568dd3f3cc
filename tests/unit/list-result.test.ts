import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseListPage } from "../../src/store/list-result.js";

const page = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix>${body}</ListBucketResult>\n`;
const contents = (key: string, size = "10", etag = "&quot;ab&quot;") =>
  `<Contents><Key>${key}</Key><LastModified>2026-12-02T03:00:00.000Z</LastModified><ETag>${etag}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass><Owner><ID>o</ID><DisplayName>Key</DisplayName></Owner></Contents>`;

describe("a ListObjectsV2 page, read without the SDK", () => {
  it("gives keys, sizes, ETags, times, folders and where the next page starts", () => {
    const parsed = parseListPage(
      page(
        `<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>${contents("a/1.zip")}${contents("a&amp;b &lt;c&gt; &#x1b;&#233;.zip", "0")}` +
          "<CommonPrefixes><Prefix>ns/</Prefix></CommonPrefixes><NextContinuationToken>t&amp;1</NextContinuationToken>",
      ),
    );
    assert.deepEqual(parsed, {
      Contents: [
        { Key: "a/1.zip", Size: 10, ETag: '"ab"', LastModified: new Date("2026-12-02T03:00:00.000Z") },
        {
          Key: "a&b <c> \u001bé.zip",
          Size: 0,
          ETag: '"ab"',
          LastModified: new Date("2026-12-02T03:00:00.000Z"),
        },
      ],
      CommonPrefixes: [{ Prefix: "ns/" }],
      IsTruncated: true,
      NextContinuationToken: "t&1",
    });
  });

  it("a last page has no token, and an empty one no contents", () => {
    assert.deepEqual(parseListPage(page("<IsTruncated>false</IsTruncated>")), {
      Contents: [],
      CommonPrefixes: [],
      IsTruncated: false,
    });
  });

  it("is undefined for what is not a whole, well-formed page, so that the SDK is asked", () => {
    const whole = page(`<IsTruncated>false</IsTruncated>${contents("k")}`);
    for (const bad of [
      whole.slice(0, whole.length - 30),
      '<?xml version="1.0"?><Error><Code>SlowDown</Code></Error>',
      page(`<IsTruncated>false</IsTruncated>${contents("k", "ten")}`),
      page(contents("k")),
      page(`<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>`),
    ])
      assert.equal(parseListPage(bad), undefined, bad);
  });
});
