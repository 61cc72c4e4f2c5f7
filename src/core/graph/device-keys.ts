// Where a device key's binding lives: the `system.device_key` attribute whose value names the key
// (DESIGN §3). One lookup for the write path, sessions and auth, instead of one scan each.
import { isJsonObject } from "../shared/json.ts";
import type { ObjectRow, WriteTx } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";

export const DEVICE_KEY_TYPE = "system.device_key";

/** Bindings of `publicKey`, withdrawn ones too when asked (authority to revoke outlives a withdrawal). */
export async function deviceKeyBindings(
  storage: Pick<WriteTx, "objectsOfType">,
  publicKey: string,
  options: { readonly includeWithdrawn?: boolean } = {},
): Promise<ObjectRow[]> {
  const rows = await storage.objectsOfType(SYSTEM_APP, "attr", DEVICE_KEY_TYPE);
  return rows.filter(
    (row) =>
      (options.includeWithdrawn === true || row.suppressed === 0) &&
      isJsonObject(row.winner.value) &&
      row.winner.value["public_key"] === publicKey,
  );
}

/** The apps a binding delegates its key to, or null when it does not limit them. */
export function delegatedApps(binding: ObjectRow): readonly string[] | null {
  const apps = isJsonObject(binding.winner.value) ? binding.winner.value["apps"] : undefined;
  return Array.isArray(apps) ? apps.filter((a): a is string => typeof a === "string") : null;
}
