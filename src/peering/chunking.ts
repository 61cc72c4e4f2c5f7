// Message framing over a data channel: a session frame (up to 1 MiB) travels as chunks of at most
// `chunkBytes`, each behind a one-byte header, plus an in-band graceful close. Pure; no I/O.
import { nodeError } from "../core/shared/errors.ts";
import { err, ok, type Result } from "../core/shared/result.ts";

/** Header bytes: the first byte of every chunk on the channel. */
export const CHUNK_HEADER = {
  /** More chunks of this message follow. */
  more: 0x00,
  /** The last (or only) chunk of a message. */
  final: 0x01,
  /** Graceful close; the payload is a utf8 snake_case reason. Nothing follows it. */
  close: 0x02,
} as const;

/**
 * 16 KiB including the header: the message size every browser's data channel delivers whole
 * (larger messages need SCTP EOR/ndata support on both ends, which older stacks lack).
 */
export const DEFAULT_CHUNK_BYTES = 16_384;

/** Longest in-band close reason, in utf8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 64;

const REASON_PATTERN = /^[a-z][a-z0-9_]*$/;

export function isCloseReason(reason: string): boolean {
  return REASON_PATTERN.test(reason) && reason.length <= MAX_CLOSE_REASON_BYTES;
}

function checkChunkBytes(chunkBytes: number): void {
  // A chunk must carry at least one payload byte besides its header.
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 2) throw new RangeError("chunkBytes is an integer of at least 2");
}

/** The chunks of one message, in order; an empty message is one header-only final chunk. Copies `bytes`. */
export function splitMessage(bytes: Uint8Array, chunkBytes: number = DEFAULT_CHUNK_BYTES): Uint8Array[] {
  checkChunkBytes(chunkBytes);
  const payload = chunkBytes - 1;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  do {
    const end = Math.min(bytes.length, offset + payload);
    const chunk = new Uint8Array(1 + end - offset);
    chunk[0] = end === bytes.length ? CHUNK_HEADER.final : CHUNK_HEADER.more;
    chunk.set(bytes.subarray(offset, end), 1);
    chunks.push(chunk);
    offset = end;
  } while (offset < bytes.length);
  return chunks;
}

/** The in-band close chunk. A reason that is not snake_case of at most 64 bytes is a caller bug. */
export function closeChunk(reason: string): Uint8Array {
  if (!isCloseReason(reason)) throw new RangeError(`close reason must be snake_case of at most ${MAX_CLOSE_REASON_BYTES} bytes`);
  const text = new TextEncoder().encode(reason);
  const chunk = new Uint8Array(1 + text.length);
  chunk[0] = CHUNK_HEADER.close;
  chunk.set(text, 1);
  return chunk;
}

export type Reassembled =
  | { readonly kind: "message"; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly kind: "partial" }
  | { readonly kind: "close"; readonly reason: string };

export type Reassembler = {
  /** Takes the next chunk off the channel. After a close or an error every further push is refused. */
  push(chunk: Uint8Array): Result<Reassembled>;
  /** Bytes of the message in progress. */
  pendingBytes(): number;
};

const PARTIAL: Reassembled = { kind: "partial" };

function malformed(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_ENCODING", message, { reason }));
}

/**
 * Joins chunks back into messages of at most `maxMessageBytes`. The far side may be hostile: every
 * chunk is checked, and an oversize message is refused before its bytes are buffered.
 */
export function createReassembler(options: { readonly maxMessageBytes: number }): Reassembler {
  const { maxMessageBytes } = options;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 0) throw new RangeError("maxMessageBytes is a non-negative integer");
  let parts: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const decoder = new TextDecoder("utf-8", { fatal: true });

  function fail(result: Result<never>): Result<never> {
    done = true;
    parts = [];
    total = 0;
    return result;
  }

  function push(chunk: Uint8Array): Result<Reassembled> {
    if (done) return malformed("reassembler_closed", "The channel already closed or broke.");
    if (chunk.length === 0) return fail(malformed("empty_chunk", "A chunk has no header."));
    const header = chunk[0];
    const payload = chunk.subarray(1);
    if (header === CHUNK_HEADER.close) {
      // The sender finishes every message before it closes; a close inside one is a broken sender.
      if (parts.length > 0) return fail(malformed("close_inside_message", "A close arrived inside a message."));
      let reason: string;
      try {
        reason = decoder.decode(payload);
      } catch {
        return fail(malformed("bad_close_reason", "The close reason is not utf8."));
      }
      if (payload.length > MAX_CLOSE_REASON_BYTES || !isCloseReason(reason))
        return fail(malformed("bad_close_reason", "The close reason is not snake_case of at most 64 bytes."));
      done = true;
      return ok({ kind: "close", reason });
    }
    if (header !== CHUNK_HEADER.more && header !== CHUNK_HEADER.final)
      return fail(malformed("unknown_chunk_header", `Unknown chunk header ${header}.`));
    // Checked before buffering: a hostile sender cannot make us hold more than the limit.
    if (total + payload.length > maxMessageBytes)
      return fail(
        err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "The message is larger than the channel carries.", {
            reason: "message_too_large",
            size: total + payload.length,
            limit: maxMessageBytes,
          }),
        ),
      );
    if (header === CHUNK_HEADER.more) {
      parts.push(payload.slice());
      total += payload.length;
      return ok(PARTIAL);
    }
    const bytes = new Uint8Array(total + payload.length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    bytes.set(payload, offset);
    parts = [];
    total = 0;
    return ok({ kind: "message", bytes });
  }

  return { push, pendingBytes: () => total };
}
