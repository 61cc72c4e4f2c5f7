// Dependencies by `want` and `have` (DESIGN §3): the peer asks for envelopes by id and gets them full
// in the domains this session syncs, stubs elsewhere; this side asks again on each tick for what is
// still missing, and for stubs once read rights change (want-list.ts keeps the questions).
import type { FromPeer } from "./from-peer.ts";
import type { FrameOf, SessionCore } from "./session-core.ts";
import { createWantList, MAX_WANTED, type WantList } from "./want-list.ts";

export type WantHave = {
  readonly wants: WantList;
  readonly onWant: (frame: FrameOf<"want">) => Promise<void>;
  readonly onHave: (frame: FrameOf<"have">) => Promise<void>;
  /** The tick's part: a `want` or its `have` may have been lost, so ask again for all still missing. */
  readonly askAgain: () => Promise<void>;
};

export function createWantHave(core: SessionCore, fromPeer: FromPeer): WantHave {
  const { node } = core;
  const wants = createWantList({
    send: core.send,
    stubIds: (afterId, limit) => node.stubIds(afterId, limit),
    aclGeneration: () => node.aclGeneration(),
  });

  async function onWant(frame: FrameOf<"want">): Promise<void> {
    // Full only in the domains this session syncs (the peer asked for what it syncs); elsewhere the stub.
    const have = await node.exportWanted(core.peer!.identity, frame.envelope_ids, core.negotiated);
    if (!have.ok) {
      core.lastError = have.error;
      return;
    }
    if (have.value !== null) core.send({ kind: "have", ...have.value });
  }

  async function onHave(frame: FrameOf<"have">): Promise<void> {
    // Ids asked for in an earlier round count too: a `have` may come after the tick asked again,
    // or after a package brought the envelope (ADR 0026); ingesting one twice changes nothing.
    const late = frame.envelope_ids.filter((id) => !wants.ids.has(id) && wants.asked.has(id)).length;
    const accepted = await node.acceptWanted(core.peer!, wants.asked, { envelope_ids: frame.envelope_ids, envelopes: frame.envelopes });
    if (!accepted.ok) return core.violation(accepted.error, "violation");
    if (late > 0) core.recovered += 1;
    for (const id of frame.envelope_ids) wants.settle(id);
    fromPeer.remember(accepted.value.flatMap((r) => (r.ok ? [r.value] : [])));
    wants.wantMissingOf(accepted.value.flatMap((r) => (r.ok ? [r.value] : [])));
    core.changed();
  }

  async function askAgain(): Promise<void> {
    wants.clear();
    wants.want(await node.missingDependencies(MAX_WANTED));
    await wants.refreshStubs();
  }

  return { wants, onWant, onHave, askAgain };
}
