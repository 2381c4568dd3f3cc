import type { Runtime } from "../runtime.js";
import { isGoCore } from "./recognise.js";

export const goRuntime: Runtime = { name: "go", recognises: isGoCore, debugger: "dlv" };
