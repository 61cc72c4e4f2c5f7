// One node per origin (ADR 0006): the worker that holds the Web Lock is the only one that opens the
// node's databases. It holds the lock until it has stopped the node, or until its tab goes away.

export type Leadership = {
  /** "leader" if the lock was free at once; "waiting" if another worker holds it. */
  readonly firstAnswer: Promise<"leader" | "waiting">;
  /** Settles when this worker holds the lock (at once, or after the holder let go). */
  readonly granted: Promise<void>;
  /** Lets go of the lock, or stops waiting for it. */
  release(): void;
};

export function requestLeadership(lockName: string): Leadership {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let grant!: () => void;
  const granted = new Promise<void>((resolve) => {
    grant = resolve;
  });
  const stopWaiting = new AbortController();
  const holdUntilReleased = async (): Promise<void> => {
    grant();
    await held;
  };

  // Ask without waiting first, so a lone tab never shows "open in another tab", not even briefly.
  const firstAnswer = new Promise<"leader" | "waiting">((answer) => {
    void navigator.locks.request(lockName, { ifAvailable: true }, async (lock) => {
      if (lock === null) return answer("waiting");
      answer("leader");
      await holdUntilReleased();
    });
  });
  void firstAnswer.then((answer) => {
    if (answer === "leader") return;
    // Queued behind the holder; Web Locks grant it when the holder's worker releases or dies.
    navigator.locks.request(lockName, { signal: stopWaiting.signal }, holdUntilReleased).catch(() => undefined);
  });

  return {
    firstAnswer,
    granted,
    release() {
      stopWaiting.abort();
      release();
    },
  };
}
