// Listener sets for the transport adapters' events (onMessage, onOpen, onClose, onDrain): one
// subscription per call, even for the same function, and emits that tolerate changes while they run.

export type Listeners<T extends unknown[]> = Set<{ readonly call: (...args: T) => void }>;

/** Adds a listener; the returned function removes exactly this subscription (idempotent). */
export function subscribe<T extends unknown[]>(set: Listeners<T>, call: (...args: T) => void): () => void {
  const entry = { call };
  set.add(entry);
  return () => void set.delete(entry);
}

/** Calls a snapshot of the listeners, so one may unsubscribe or subscribe another while it runs. */
export function emit<T extends unknown[]>(set: Listeners<T>, ...args: T): void {
  for (const entry of [...set]) entry.call(...args);
}

/**
 * The four events every Transport reports and their subscriptions, so an adapter only decides when
 * to emit them (`emit(this.messages, bytes)`, …).
 */
export abstract class TransportEvents {
  readonly messages: Listeners<[Uint8Array]> = new Set();
  readonly opens: Listeners<[]> = new Set();
  readonly closes: Listeners<[string]> = new Set();
  readonly drains: Listeners<[]> = new Set();

  onMessage(listener: (message: Uint8Array) => void): () => void {
    return subscribe(this.messages, listener);
  }

  onOpen(listener: () => void): () => void {
    return subscribe(this.opens, listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return subscribe(this.closes, listener);
  }

  onDrain(listener: () => void): () => void {
    return subscribe(this.drains, listener);
  }
}
