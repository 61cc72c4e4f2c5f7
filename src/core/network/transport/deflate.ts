// Deflated frames (protocol 2.1, ADR 0035): a frame's UTF-8 JSON as raw DEFLATE (RFC 1951) behind
// one 0x00 byte, which no JSON text starts with. Inflating is bounded by the frame limit in output
// and in work: a deflate bomb costs the receiver at most the limit plus one slice's expansion.
import { deflateSync, Inflate } from "fflate";
import { nodeError } from "../../shared/errors.ts";
import { err, ok, type Result } from "../../shared/result.ts";

/** The first byte of a deflated frame; a plain frame starts with `{`. */
export const DEFLATED_MARK = 0x00;

/** Frames shorter than this go plain: deflating them saves too little to pay for itself. */
export const DEFLATE_MIN_BYTES = 2_048;

/**
 * Input is inflated this much at a time and the output counted after each slice. DEFLATE expands a
 * byte at most ~1,032-fold, so one slice past the limit inflates at most ~32 MiB before it is
 * refused. Smaller slices cost more than they bound: each push regrows fflate's output buffer, and
 * 4 KiB slices made inflating ~1.3 s of the receiver's ~9.7 s busy time over a 10k sync (ADR 0035).
 */
const INFLATE_SLICE_BYTES = 32_768;

export function isDeflated(bytes: Uint8Array): boolean {
  return bytes[0] === DEFLATED_MARK;
}

/** Raw DEFLATE bytes behind the mark: a deflated frame as it goes on the wire. */
export function markDeflated(deflated: Uint8Array): Uint8Array {
  const framed = new Uint8Array(deflated.length + 1);
  framed[0] = DEFLATED_MARK;
  framed.set(deflated, 1);
  return framed;
}

/** The deflated form of a frame's bytes, or the bytes themselves when deflating would not make them smaller. */
export function deflateFrame(bytes: Uint8Array): Uint8Array {
  if (bytes.length < DEFLATE_MIN_BYTES) return bytes;
  const deflated = deflateSync(bytes, { level: 1 });
  return deflated.length + 1 < bytes.length ? markDeflated(deflated) : bytes;
}

function invalid(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_ENCODING", message, { path: "", reason }));
}

/** A deflated frame's JSON bytes, at most `limit` of them; the input is untrusted. */
export function inflateFrame(bytes: Uint8Array, limit: number): Result<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    chunks.push(chunk);
    size += chunk.length;
    ended ||= final;
  });
  try {
    for (let at = 1; at < bytes.length && !ended; at += INFLATE_SLICE_BYTES) {
      const end = Math.min(at + INFLATE_SLICE_BYTES, bytes.length);
      inflate.push(bytes.subarray(at, end), end === bytes.length);
      if (size > limit)
        // ADR 0008: a local resource bound, as for a plain frame over the limit.
        return err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "The frame inflates to more than this node accepts.", {
            reason: "frame_too_large",
            limit,
          }),
        );
    }
  } catch {
    return invalid("invalid_deflate", "The deflated frame is not valid DEFLATE data.");
  }
  if (!ended) return invalid("invalid_deflate", "The deflated frame is truncated.");
  if (chunks.length === 1) return ok(chunks[0]!);
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return ok(joined);
}
