import { catalogueContract } from "../support/catalogue-contract.js";
import { freshBucket, putObjects, rigS3, s3Env } from "../support/s3-rig.js";

catalogueContract("S3 (Ceph RGW)", async (objects) => {
  const rig = rigS3();
  const bucket = await freshBucket(rig, "catalogue");
  await putObjects(rig, bucket, objects);
  return { args: [], env: s3Env(rig, bucket) };
});
