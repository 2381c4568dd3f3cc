import { accessSync, constants } from "node:fs";
import path from "node:path";

/** The full path of an executable on `searchPath` (a PATH), as a shell would find it. */
export function which(command: string, searchPath: string): string | undefined {
  if (command.includes("/")) return isExecutable(command) ? path.resolve(command) : undefined;
  for (const folder of searchPath.split(path.delimiter)) {
    if (folder === "") continue;
    const candidate = path.join(folder, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
