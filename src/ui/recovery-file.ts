// The recovery file: the node's public identity data and every stored envelope, as exact signed
// texts another node can verify and ingest. Never private keys: they are non-extractable and stay
// in the worker (a real key backup is a later issue). Built page by page so progress can be shown.
import type { EnvelopeExportPage, RecoveryHeader } from "../rpc/node-api.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";

export type ExportProgress = { readonly done: number; readonly total: number };

export const RECOVERY_NOTICE =
  "This file holds your public identity data and the signed history of this node. It does not hold private keys: " +
  "they are non-extractable and never leave the node. Another node can verify and rebuild this history from it, " +
  "but it cannot sign as you.";

const PAGE = 500;

export async function buildRecoveryFile(
  connection: NodeConnection,
  onProgress: (progress: ExportProgress) => void,
): Promise<ShellResult<{ blob: Blob; fileName: string; header: RecoveryHeader }>> {
  const header = await connection.call("exportHeader");
  if (!header.ok) return header;
  const total = header.value.globalSeq;
  const parts: string[] = [`{"recovery":${JSON.stringify(header.value)},"notice":${JSON.stringify(RECOVERY_NOTICE)},"envelopes":[`];
  let afterSeq = 0;
  let done = 0;
  onProgress({ done, total });
  for (;;) {
    const page: ShellResult<EnvelopeExportPage> = await connection.call("exportEnvelopes", { afterSeq, limit: PAGE });
    if (!page.ok) return page;
    for (const envelope of page.value.envelopes) parts.push(`${done++ === 0 ? "" : ","}${JSON.stringify(envelope)}`);
    onProgress({ done, total: Math.max(total, done) });
    if (page.value.nextAfterSeq === null) break;
    afterSeq = page.value.nextAfterSeq;
  }
  parts.push("]}");
  const day = header.value.exportedAt.slice(0, 10);
  return {
    ok: true,
    value: { blob: new Blob(parts, { type: "application/json" }), fileName: `2way-recovery-${day}.json`, header: header.value },
  };
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
