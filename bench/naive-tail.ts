/**
 * The naive parallel job a cold `coredump list` is held against: the listing, then one ranged GET of the
 * last 64 KiB of one object per dump (the zip; a loose dump's runtime info), 64 in flight, with the JS
 * SDK. What anyone would write to read every zip's directory at once. Run as its own process:
 *
 *   node dist/bench/naive-tail.js BUCKET SUFFIX    # SUFFIX: .zip or -runtime-info.json
 *
 * Prints `<objects read> <bytes>` on stdout. Env as bench/sdk-loop.ts.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { listAll, sdkClient } from "./sdk-loop.js";

const IN_FLIGHT = 64;
const TAIL = 64 * 1024;

const [bucket, suffix] = process.argv.slice(2);
if (!bucket || !suffix) {
  process.stderr.write("usage: node naive-tail.js BUCKET SUFFIX\n");
  process.exit(2);
}
const client = sdkClient();
const { keys } = await listAll(client, bucket);
const limit = pLimit(IN_FLIGHT);
let bytes = 0;
const wanted = keys.filter((key) => key.endsWith(suffix));
await Promise.all(
  wanted.map((key) =>
    limit(async () => {
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=-${TAIL}` }),
      );
      bytes += (await object.Body?.transformToByteArray())?.length ?? 0;
    }),
  ),
);
process.stdout.write(`${wanted.length} ${bytes}\n`);
