// The node's home: a dedicated module worker reached only through Comlink (DESIGN §1). It names
// the node from the Worker's name and exposes the host's NodeApi; the node itself lives in src/core.
import * as Comlink from "comlink";
import { err, nodeError } from "../src/core/index.ts";
import { DEFAULT_NODE_NAME, NODE_METHODS, NODE_WORKER_NAME, type NodeApi } from "../src/rpc/node-api.ts";
import { createNodeHost } from "./node-host.ts";

/** `twoway-node` serves the origin's main node; `twoway-node:<name>` a separate one (tests, benches). */
function nodeNameOf(workerName: string): string {
  const suffix = workerName.startsWith(`${NODE_WORKER_NAME}:`) ? workerName.slice(NODE_WORKER_NAME.length + 1) : "";
  return /^[a-z0-9-]{1,40}$/.test(suffix) ? suffix : DEFAULT_NODE_NAME;
}

const methods = createNodeHost(nodeNameOf(self.name));

/** An unknown method name gets a coded answer too; nothing on the port can be replaced (SET). */
const port = new Proxy(Object.freeze(methods), {
  get(target, name) {
    if (typeof name === "string" && (NODE_METHODS as readonly string[]).includes(name)) return target[name as keyof NodeApi];
    if (name === "then") return undefined; // not a thenable
    return () => Promise.resolve(err(nodeError("object_invalid", `The node has no method ${String(name)}.`, { reason: "unknown_method" })));
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
});

Comlink.expose(port);
