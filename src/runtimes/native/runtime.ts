import type { Runtime } from "../runtime.js";

/** Any other program (C, C++, Rust): gdb, else lldb, with the image's libraries. Last in the table. */
export const nativeRuntime: Runtime = { name: "native", recognises: async () => true };
