// A loopback trace read as session frames, for the message of a failing sync test
// (STYLE: capture the frame trace where it explains a failure). Test code only.
import { decodeFrame, formatTrace, versionText, type SessionFrame, type TraceEntry } from "../transport/index.ts";

/** One short line per frame: kind and the fields that tell frames apart. */
export function describeFrame(bytes: Uint8Array): string {
  const decoded = decodeFrame(bytes, { deflate: true });
  if (!decoded.ok) return `undecodable: ${decoded.error.code} ${String(decoded.error.data["reason"])}`;
  return summary(decoded.value);
}

function summary(frame: SessionFrame): string {
  switch (frame.kind) {
    case "challenge":
      return `challenge ${frame.difficulty} bits`;
    case "hello":
      return `hello v${versionText(frame.protocol_version)} ${frame.node_identity.slice(0, 8)} [${frame.offered_domains.join(" ")}]`;
    case "domains":
      return `domains [${frame.accepted.join(" ")}]`;
    case "cursors":
      return `cursors ${JSON.stringify(frame.cursors)}`;
    case "package":
      return `package ${frame.frame.sync_domain} ${frame.frame.from_seq}..${frame.frame.to_seq} (${frame.envelopes.length} envelopes)`;
    case "want":
    case "have":
      return `${frame.kind} ${frame.envelope_ids.length} ids [${frame.envelope_ids.map((id) => id.slice(0, 8)).join(" ")}]`;
    case "error":
      return `error ${frame.code} ${frame.reason}`;
    case "close":
      return `close ${frame.reason}`;
    default:
      return frame.kind;
  }
}

export function formatFrameTrace(entries: readonly TraceEntry[]): string {
  return formatTrace(entries, describeFrame);
}
