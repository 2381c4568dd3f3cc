import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { catalogContract } from "../support/catalog-contract.js";
import { writeToDirectory } from "../support/handler-layout.js";

catalogContract("a folder (the /cores mount)", async (objects) => {
  const folder = await mkdtemp(path.join(tmpdir(), "coredump-cores-"));
  await writeToDirectory(objects, folder);
  return { args: ["--dir", folder], env: {} };
});
