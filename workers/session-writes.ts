// One write through a node session, as the shell and every mini-app port answer it: the checked
// request in, the receipt (plain data for Comlink) out. Shared so both surfaces write alike.
import { ok, type Result, type Session } from "../src/core/index.ts";
import type { WriteReceipt } from "../src/rpc/node-api.ts";

type CheckedWrite = { readonly domain: string; readonly ops: readonly unknown[]; readonly traceId?: string | undefined };

export async function submitThrough(session: Session, request: CheckedWrite): Promise<Result<WriteReceipt>> {
  const { domain, ops, traceId } = request;
  const written = await session.submit({
    domain,
    ops: ops as Parameters<Session["submit"]>[0]["ops"],
    ...(traceId === undefined ? {} : { traceId }),
  });
  if (!written.ok) return written;
  return ok({
    envelopeId: written.value.envelopeId,
    seq: written.value.seq,
    status: written.value.status,
    objectIds: [...written.value.objectIds],
  });
}
