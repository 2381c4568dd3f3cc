import { catalogContract } from "../support/catalog-contract.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

catalogContract("S3 (Ceph RGW)", async (objects) => {
  const rig = rigS3();
  const bucket = await freshBucket(rig, "catalog");
  await putObjects(rig, bucket, objects);
  return { args: [], env: s3Env(rig, bucket) };
});
