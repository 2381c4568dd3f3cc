import { readdir, readFile } from "node:fs/promises";
import type { DumpFolder } from "../workspace/dump-folder.js";

/** The log's last lines a report shows. */
const LOG_LINES = 20;

export interface ContainerLog {
  file: string;
  /** Its whole text, which the runtimes' readers read. */
  text: string;
  /** The tail the report shows. */
  lines: string[];
}

/** Each container's log in a zip dump (`<i>.log`): its whole text, and the tail the report shows. */
export async function containerLogs(folder: DumpFolder): Promise<ContainerLog[]> {
  const names = (await readdir(folder.dir)).filter((name) => /^\d+\.log$/.test(name)).sort();
  return Promise.all(
    names.map(async (file) => {
      const text = await readFile(folder.file(file), "utf8");
      const lines = text.split("\n");
      while (lines.length > 0 && lines.at(-1) === "") lines.pop();
      return { file, text, lines: lines.slice(-LOG_LINES) };
    }),
  );
}
