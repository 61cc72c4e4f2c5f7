// The recovery file on the page's side (ADR 0021): the node makes it whole — the recovery key sealed
// under the person's passphrase and the signed history — and the page only saves it, or reads a
// picked file back as bytes for a restore. The page never sees the key unsealed.
import type { RecoveryFileExport } from "../rpc/node-api.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";

/** The node's passphrase rule (ERR_RECOVERY_PASSPHRASE_WEAK below it); the page only hints with it. */
export const MIN_PASSPHRASE_LENGTH = 10;

export function passphraseLength(passphrase: string): number {
  return [...passphrase.normalize("NFKC")].length;
}

export async function makeRecoveryFile(
  connection: NodeConnection,
  passphrase: string,
): Promise<ShellResult<{ blob: Blob; fileName: string; made: RecoveryFileExport }>> {
  const made = await connection.call("exportRecovery", { passphrase });
  if (!made.ok) return made;
  const blob = new Blob([made.value.text], { type: "application/json" });
  return { ok: true, value: { blob, fileName: made.value.fileName, made: made.value } };
}

/** A picked file's bytes, for restoreIdentity. */
export async function readRecoveryFile(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Hands the file to the browser's download flow. */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
