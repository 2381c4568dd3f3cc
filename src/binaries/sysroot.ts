import { mkdtemp, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { ImageInfo } from "../catalog/metadata.js";
import { readCoreSummary, readExecutableInfo } from "../elf/index.js";
import { type ImageFile, openImage, pullFilesFromImage } from "../image/image-file.js";
import { defaultKeychain } from "../image/keychain.js";
import { RegistryError } from "../image/registry-error.js";
import type { Settings } from "../settings.js";
import { makeFolders } from "../util/make-folders.js";
import { imageCandidates } from "./image-candidates.js";

export interface SysrootRequest {
  core: string;
  images: ImageInfo[];
  /** The dump's folder: the sysroot is `<folder>/sysroot`. */
  folder: string;
  insecureRegistries?: string[];
  settings: Settings;
  onProgress?: (message: string) => void;
  /** Only these of the core's libraries (their paths in the core); all of them when absent. */
  only?: string[];
}

/**
 * The shared libraries a native core had mapped (libc, libstdc++ …), pulled from the crashed container's
 * image into `<folder>/sysroot/<their path>`, each kept only when its build-id equals the one in the core,
 * so that gdb resolves native frames against the image's libraries, not the debug pod's. The loader may
 * have named a library by another path than the one it was mapped from (`/lib/…` for `/usr/lib/…`), so
 * the folders are also given to gdb to search by name. Undefined when no library could be had.
 */
export interface Sysroot {
  root: string;
  /** The folders holding the libraries: gdb finds a library by name there when the loader's path differs. */
  folders: string[];
}

export async function buildSysroot(request: SysrootRequest): Promise<Sysroot | undefined> {
  const summary = await readCoreSummary(request.core, { nodeVersion: false });
  const wanted = summary.modules.filter(
    (module) =>
      module.buildId &&
      module.path !== summary.executable?.path &&
      path.isAbsolute(module.path) &&
      (request.only === undefined || request.only.includes(module.path)),
  );
  const sysroot = path.join(request.folder, "sysroot");
  const { settings } = request;
  const keychain = defaultKeychain(settings);
  const insecureRegistries = [...(request.insecureRegistries ?? []), ...settings.insecureRegistries];
  const staging = await mkdtemp(path.join(request.folder, ".sysroot-"));
  const folders = new Set<string>();
  try {
    for (const candidate of imageCandidates(request.images)) {
      const libraries = wanted.splice(0);
      if (libraries.length === 0) break;
      // One image opened, and its layers walked once, for all the libraries still wanted.
      let pulled: Array<ImageFile | RegistryError>;
      try {
        const image = await openImage({
          reference: candidate.reference,
          platform: { os: "linux", architecture: summary.machine.ociArchitecture },
          ...(candidate.imageId ? { imageId: candidate.imageId } : {}),
          keychain,
          insecureRegistries,
          limits: settings.limits.registry,
          ...(request.onProgress ? { onProgress: request.onProgress } : {}),
        });
        pulled = await pullFilesFromImage(
          image,
          libraries.map((library) => library.path),
          staging,
        );
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        for (const library of libraries) wanted.push(library);
        continue;
      }
      for (const [index, library] of libraries.entries()) {
        const file = pulled[index];
        if (file === undefined || file instanceof RegistryError) {
          wanted.push(library);
          continue;
        }
        if ((await readExecutableInfo(file.file)).buildId !== library.buildId) {
          wanted.push(library);
          continue;
        }
        // The path comes from the core: keep it inside the sysroot whatever it says.
        const target = path.join(sysroot, path.posix.normalize(library.path));
        if (!target.startsWith(sysroot + path.sep)) continue;
        await makeFolders(path.dirname(target), 0o700);
        await rename(file.file, target);
        folders.add(path.dirname(target));
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return folders.size > 0 ? { root: sysroot, folders: [...folders] } : undefined;
}
