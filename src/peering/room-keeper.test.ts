// The room keeper on a scripted relay and a hand-run clock: it remembers a room only once joined,
// rejoins on start and after the link drops, backs off (capped) while the relay is away, and stops
// for good when the person leaves.
import { describe, expect, it } from "vitest";
import { nodeError } from "../core/shared/errors.ts";
import { err, ok, type Result } from "../core/shared/result.ts";
import { createRoomKeeper, type RoomRef } from "./room-keeper.ts";

function harness(remembered: RoomRef | null = null) {
  let stored = remembered;
  let inRoom: RoomRef | null = null;
  let relayUp = true;
  const peeringListeners = new Set<() => void>();
  const timers: { run: () => void; ms: number }[] = [];
  const joins: RoomRef[] = [];
  let pending: Array<() => void> = [];
  const keeper = createRoomKeeper({
    async join(url, room): Promise<Result<void>> {
      joins.push({ url, room });
      await new Promise<void>((resolve) => pending.push(resolve));
      if (!relayUp)
        return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", "The relay could not be reached.", { reason: "relay_unreachable" }));
      inRoom = { url, room };
      return ok(undefined);
    },
    leave: () => {
      inRoom = null;
    },
    current: () => inRoom,
    onPeeringChange(listener) {
      peeringListeners.add(listener);
      return () => peeringListeners.delete(listener);
    },
    store: { load: () => stored, save: (ref) => void (stored = ref) },
    policy: { baseMs: 100, capMs: 400 },
    random: () => 0.999_999,
    setTimer: (run, ms) => timers.push({ run, ms }),
    clearTimer: () => timers.splice(0),
  });
  return {
    keeper,
    joins,
    timers,
    stored: () => stored,
    setRelayUp: (up: boolean) => void (relayUp = up),
    /** Answers the joins in flight and lets their continuations run. */
    async settle() {
      const now = pending;
      pending = [];
      now.forEach((resolve) => resolve());
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    /** The relay connection drops under the room, as a closed socket would. */
    dropLink() {
      inRoom = null;
      peeringListeners.forEach((l) => l());
    },
    async fireTimer() {
      const next = timers.shift();
      if (next === undefined) throw new Error("no timer set");
      next.run();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

const KITCHEN = { url: "ws://127.0.0.1:8787", room: "kitchen" };

describe("room keeper", () => {
  it("remembers a room the person joined, and only after the join succeeded", async () => {
    const h = harness();
    const joining = h.keeper.join(KITCHEN.url, KITCHEN.room);
    expect(h.keeper.state().phase).toBe("joining");
    expect(h.stored()).toBeNull();
    await h.settle();
    expect((await joining).ok).toBe(true);
    expect(h.keeper.state()).toEqual({ phase: "joined", ref: KITCHEN });
    expect(h.stored()).toEqual(KITCHEN);
  });

  it("does not remember a room whose join failed, and tries nothing more", async () => {
    const h = harness();
    h.setRelayUp(false);
    const joining = h.keeper.join(KITCHEN.url, KITCHEN.room);
    await h.settle();
    const result = await joining;
    expect(result.ok ? "" : result.error.data["reason"]).toBe("relay_unreachable");
    expect(h.stored()).toBeNull();
    expect(h.keeper.state().phase).toBe("idle");
    expect(h.timers).toEqual([]);
  });

  it("joins the remembered room on start, and nothing when none is remembered", async () => {
    const none = harness();
    none.keeper.start();
    expect(none.joins).toEqual([]);
    const h = harness(KITCHEN);
    h.keeper.start();
    await h.settle();
    expect(h.joins).toEqual([KITCHEN]);
    expect(h.keeper.state().phase).toBe("joined");
  });

  it("after the link drops, rejoins with growing pauses up to the cap while the relay is away, then resets", async () => {
    const h = harness(KITCHEN);
    h.keeper.start();
    await h.settle();
    h.setRelayUp(false);
    h.dropLink();
    expect(h.keeper.state().phase).toBe("joining");
    const pauses: number[] = [];
    for (let i = 0; i < 5; i++) {
      await h.settle();
      const state = h.keeper.state();
      expect(state.phase).toBe("waiting");
      if (state.phase === "waiting") {
        expect(state.error.reason).toBe("relay_unreachable");
        pauses.push(state.delayMs);
      }
      await h.fireTimer();
    }
    expect(pauses).toEqual([100, 200, 400, 400, 400]);
    h.setRelayUp(true);
    await h.settle();
    expect(h.keeper.state()).toEqual({ phase: "joined", ref: KITCHEN });
    expect(h.joins.length).toBe(7);
    // A second drop starts again from the first pause.
    h.setRelayUp(false);
    h.dropLink();
    await h.settle();
    const again = h.keeper.state();
    expect(again.phase === "waiting" ? again.delayMs : -1).toBe(100);
  });

  it("stops trying and forgets the room when the person leaves, even with a try in flight", async () => {
    const h = harness(KITCHEN);
    h.keeper.start();
    await h.settle();
    h.dropLink();
    expect(h.keeper.state().phase).toBe("joining");
    h.keeper.leave();
    await h.settle();
    expect(h.keeper.state().phase).toBe("idle");
    expect(h.stored()).toBeNull();
    expect(h.timers).toEqual([]);
    h.dropLink();
    expect(h.joins.length).toBe(2);
  });

  it("close stops the tries but keeps the room remembered for the next start", async () => {
    const h = harness(KITCHEN);
    h.setRelayUp(false);
    h.keeper.start();
    await h.settle();
    expect(h.keeper.state().phase).toBe("waiting");
    h.keeper.close();
    expect(h.timers).toEqual([]);
    expect(h.stored()).toEqual(KITCHEN);
  });
});
