// What every page of the running shell shares: the node connection, the person's identities and
// the storage-persistence answer. Provided once by the app root; read with useShell().
import { createContext, useContext, type Resource } from "solid-js";
import type { IdentitySummary } from "../rpc/node-api.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";
import type { ShellPeering } from "./shell-peering.ts";
import type { Persistence } from "./storage-persistence.ts";

export type Shell = {
  readonly connection: NodeConnection;
  readonly persistence: Persistence;
  readonly identities: Resource<ShellResult<readonly IdentitySummary[]>>;
  /** WebRTC links to other nodes, found through a relay room or invite codes (ADR 0012). */
  readonly peering: ShellPeering;
};

export const ShellContext = createContext<Shell>();

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (shell === undefined) throw new Error("useShell() outside <ShellContext.Provider>");
  return shell;
}

/** The identity the shell acts for: the first one this node created. */
export function shellIdentity(shell: Shell): IdentitySummary | undefined {
  const listed = shell.identities();
  return listed?.ok ? listed.value[0] : undefined;
}
