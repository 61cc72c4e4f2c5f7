// Pairs the members of a relay room into WebRTC links, trusting no one: it only routes opaque signals
// between two member ids and decides who offers. Bodies: {kind:"announce", to?}, {kind:"signal", to,
// attempt, data}, {kind:"retry", to, attempt}. It never opens a connection and never names an identity.
import { nodeError } from "../core/shared/errors.ts";
import { utf8ByteLength } from "../core/shared/bytes.ts";
import { isJsonObject, type JsonValue } from "../core/shared/json.ts";
import { err, type Result } from "../core/shared/result.ts";
import { createBufferedChannel, type RelayMessage, type RelayRoom } from "./relay-client.ts";

/** The slice of a relay room the rendezvous needs (a port: tests pass an in-memory room). */
export type RendezvousRoom = Pick<RelayRoom, "memberId" | "post" | "onMessage" | "onLeft" | "onClose">;

export type PairingCloseReason = "left" | "replaced" | "closed";

/** One attempt at a link with one remote member. */
export type Pairing = {
  readonly remote: string;
  /** Both sides agree: the member with the lexicographically smaller id offers. */
  readonly initiator: boolean;
  /** 0 for the first attempt; each retry starts a fresh pairing with the next number. */
  readonly attempt: number;
  /**
   * Posts a signal to the remote's pairing of this attempt. Refuses after the pairing closed
   * (ERR_MNG_NETWORK_PEER_UNREACHABLE pairing_closed), a non-JSON signal (ERR_STRUCT_INVALID_TYPE
   * not_json), one over maxSignalBytes (ERR_RESOURCE_RATE_LIMIT signal_too_large), or the room's refusal.
   */
  send(signal: unknown): Result<void>;
  /** Signals from the remote for this attempt; those that came before a listener are delivered next microtask. */
  onSignal(listener: (signal: unknown) => void): () => void;
  /** Fires once: the remote left, a newer attempt replaced this one, or the rendezvous closed. */
  onClose(listener: (reason: PairingCloseReason) => void): () => void;
};

export type RendezvousHandlers = { onPair(pairing: Pairing): void };

export type Rendezvous = {
  /** Stops pairing and closes every pairing ("closed"). Leaves the room open: it belongs to the caller. */
  close(): void;
  /**
   * After a dropped link with `remoteMember`: the initiator starts the next attempt (a new pairing,
   * which re-offers); the other side asks the initiator to. With `attempt`, only if that attempt is
   * still the current one, so the two sides' retries for one drop start one attempt, not two.
   */
  retry(remoteMember: string, attempt?: number): void;
};

export type RendezvousLimits = {
  /** Concurrent pairings; announces beyond it are ignored. */
  readonly maxPairings: number;
  /** Largest signal, as JSON in UTF-8 bytes, sent or accepted. Fits a 16 KiB SDP in a relay frame. */
  readonly maxSignalBytes: number;
  /** Attempts per remote member (0 … maxAttempts-1); later retries are ignored. */
  readonly maxAttempts: number;
  /** Signals kept for a pairing whose consumer has not subscribed yet; oldest dropped. */
  readonly maxPendingSignals: number;
};

export const DEFAULT_RENDEZVOUS_LIMITS: RendezvousLimits = {
  maxPairings: 16,
  maxSignalBytes: 24_576,
  maxAttempts: 16,
  maxPendingSignals: 16,
};

type Body =
  | { readonly kind: "announce"; readonly to: string | undefined }
  | { readonly kind: "signal"; readonly to: string; readonly attempt: number; readonly data: JsonValue }
  | { readonly kind: "retry"; readonly to: string; readonly attempt: number };

type Slot = {
  readonly pairing: Pairing;
  deliver(data: unknown): void;
  close(reason: PairingCloseReason): void;
};

/** The body of a room message, checked; `undefined` for anything this protocol does not define. */
function parseBody(body: unknown, limits: RendezvousLimits): Body | undefined {
  if (!isJsonObject(body)) return undefined;
  const { kind, to, attempt } = body;
  if (to !== undefined && typeof to !== "string") return undefined;
  if (kind === "announce") return { kind, to };
  if (to === undefined) return undefined;
  if (typeof attempt !== "number" || !Number.isSafeInteger(attempt) || attempt < 0 || attempt >= limits.maxAttempts) return undefined;
  if (kind === "retry") return { kind, to, attempt };
  if (kind !== "signal" || !Object.hasOwn(body, "data")) return undefined;
  const data = body["data"]!;
  if (utf8ByteLength(JSON.stringify(data)) > limits.maxSignalBytes) return undefined;
  return { kind, to, attempt, data };
}

/** The signal as plain JSON, or the refusal. */
function signalJson(signal: unknown, maxBytes: number): Result<JsonValue> {
  let text: string | undefined;
  try {
    text = signal === undefined || typeof signal === "function" ? undefined : JSON.stringify(signal);
  } catch {
    text = undefined;
  }
  if (text === undefined) return err(nodeError("ERR_STRUCT_INVALID_TYPE", "A signal is JSON.", { reason: "not_json" }));
  const size = utf8ByteLength(text);
  if (size > maxBytes)
    return err(
      nodeError("ERR_RESOURCE_RATE_LIMIT", "The signal is larger than the rendezvous carries.", {
        reason: "signal_too_large",
        size,
        limit: maxBytes,
      }),
    );
  return { ok: true, value: JSON.parse(text) as JsonValue };
}

export function createRendezvous(
  room: RendezvousRoom,
  handlers: RendezvousHandlers,
  options: { limits?: Partial<RendezvousLimits> } = {},
): Rendezvous {
  const limits: RendezvousLimits = { ...DEFAULT_RENDEZVOUS_LIMITS, ...options.limits };
  const me = room.memberId;
  const slots = new Map<string, Slot>();
  let closed = false;

  const isInitiatorWith = (remote: string): boolean => me < remote;

  function openSlot(remote: string, attempt: number): Slot | undefined {
    if (closed || remote === me || slots.size >= limits.maxPairings) return undefined;
    const signals = createBufferedChannel<unknown>(limits.maxPendingSignals);
    const closeListeners = new Set<(reason: PairingCloseReason) => void>();
    let isClosed = false;
    const pairing: Pairing = {
      remote,
      initiator: isInitiatorWith(remote),
      attempt,
      send(signal) {
        if (isClosed) return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", "This pairing is closed.", { reason: "pairing_closed" }));
        const data = signalJson(signal, limits.maxSignalBytes);
        if (!data.ok) return data;
        return room.post({ kind: "signal", to: remote, attempt, data: data.value });
      },
      onSignal: (listener) => signals.subscribe(listener),
      onClose(listener) {
        closeListeners.add(listener);
        return () => closeListeners.delete(listener);
      },
    };
    const slot: Slot = {
      pairing,
      deliver: (data) => {
        if (!isClosed) signals.emit(data);
      },
      close(reason) {
        if (isClosed) return;
        isClosed = true;
        if (slots.get(remote) === slot) slots.delete(remote);
        for (const l of [...closeListeners]) l(reason);
        closeListeners.clear();
      },
    };
    slots.set(remote, slot);
    handlers.onPair(pairing);
    return slot;
  }

  /** The initiator's next attempt: a fresh pairing that re-offers. */
  function nextAttempt(slot: Slot): void {
    const { remote, attempt } = slot.pairing;
    if (attempt + 1 >= limits.maxAttempts) return;
    slot.close("replaced");
    openSlot(remote, attempt + 1);
  }

  function onAnnounce(from: string, body: Extract<Body, { kind: "announce" }>, replay: boolean): void {
    if (slots.has(from)) return;
    if (!openSlot(from, 0)) return;
    // A newcomer may have missed our announce (the room log is bounded): tell it we are here.
    if (body.to === undefined && !replay) room.post({ kind: "announce", to: from });
  }

  function onSignal(from: string, body: Extract<Body, { kind: "signal" }>): void {
    let slot = slots.get(from);
    if (!slot) {
      // Only an offer from the side that initiates may open a pairing here.
      if (isInitiatorWith(from)) return;
      slot = openSlot(from, body.attempt);
    } else if (body.attempt !== slot.pairing.attempt) {
      // The initiator owns attempt numbers: a higher one is its fresh offer after a dropped link.
      if (slot.pairing.initiator || body.attempt < slot.pairing.attempt) return;
      slot.close("replaced");
      slot = openSlot(from, body.attempt);
    }
    slot?.deliver(body.data);
  }

  function onMessage(message: RelayMessage): void {
    if (closed || message.from === me) return;
    const body = parseBody(message.body, limits);
    if (!body || (body.to !== undefined && body.to !== me)) return;
    switch (body.kind) {
      case "announce":
        return onAnnounce(message.from, body, message.replay);
      case "signal":
        return onSignal(message.from, body);
      case "retry": {
        const slot = slots.get(message.from);
        if (slot?.pairing.initiator && slot.pairing.attempt === body.attempt) nextAttempt(slot);
        return;
      }
    }
  }

  function closeAll(): void {
    if (closed) return;
    closed = true;
    for (const off of subscriptions) off();
    for (const slot of [...slots.values()]) slot.close("closed");
  }

  // onClose last: on a room that is already closed it fires at once and undoes the other two.
  const subscriptions: (() => void)[] = [];
  subscriptions.push(room.onMessage(onMessage));
  subscriptions.push(room.onLeft((member) => slots.get(member)?.close("left")));
  subscriptions.push(room.onClose(() => closeAll()));
  if (!closed) room.post({ kind: "announce" });

  return {
    close: closeAll,
    retry(remoteMember, attempt) {
      const slot = slots.get(remoteMember);
      if (closed || !slot || (attempt !== undefined && attempt !== slot.pairing.attempt)) return;
      if (slot.pairing.initiator) nextAttempt(slot);
      else room.post({ kind: "retry", to: remoteMember, attempt: slot.pairing.attempt });
    },
  };
}
