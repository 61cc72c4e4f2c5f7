// ADR 0018, amended (issue 17): the integrity check at start scans every stored envelope, so it no
// longer runs while the node opens. It starts `delayMs` after start, or at once when something
// needs its result first (an explicit check, a sync export, a write the open found reason to hold).

export type DeferredCheck<T> = {
  /** Starts the check now if it has not started, and returns it. */
  now(): Promise<T>;
  /** Whether it has started (by its delay or by `now`). */
  readonly started: boolean;
  /** Stops the delay if the check has not started; settles once a started check has. */
  cancel(): Promise<unknown>;
};

export function deferredCheck<T>(run: () => Promise<T>, delayMs: number): DeferredCheck<T> {
  let running: Promise<T> | undefined;
  const timer: ReturnType<typeof setTimeout> = setTimeout(() => void now(), delayMs);
  // In Node.js a pending start check must not keep the process alive.
  (timer as { unref?: () => void }).unref?.();
  function now(): Promise<T> {
    if (running === undefined) {
      clearTimeout(timer);
      running = run();
    }
    return running;
  }
  return {
    now,
    get started() {
      return running !== undefined;
    },
    cancel() {
      clearTimeout(timer);
      return running ?? Promise.resolve();
    },
  };
}
