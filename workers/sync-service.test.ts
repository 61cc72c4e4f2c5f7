// The worker's sync sessions as the node port serves them: attach, overview, detach, the open-session
// bound, and shutdown. The page's side of the port is a bare MessageChannel end (nothing opens it).
import { afterEach, describe, expect, it } from "vitest";
import { expectOk, startNode } from "../src/core/acceptance/fixtures.ts";
import { createSyncService, type SyncService } from "./sync-service.ts";

let service: SyncService | undefined;
const channels: MessageChannel[] = [];

afterEach(() => {
  service?.closeAll();
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function port(): MessagePort {
  const channel = new MessageChannel();
  channels.push(channel);
  return channel.port2;
}

describe("sync service", () => {
  it("attaches a session per port and lists it, newest first, with the guard's figures", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const first = expectOk(await service.syncAttach({ port: port(), label: "Ben", via: "relay" }));
    const second = expectOk(await service.syncAttach({ port: port(), label: "Cal", via: "invite" }));
    const overview = expectOk(await service.syncOverview());
    expect(overview.nodeIdentity).toBe(node.sync.nodeIdentity);
    expect(overview.globalSeq).toBe(node.globalSeq());
    expect(overview.peers.map((p) => [p.sessionId, p.label, p.via, p.state, p.peerIdentity])).toEqual([
      [second.sessionId, "Cal", "invite", "connecting", null],
      [first.sessionId, "Ben", "relay", "connecting", null],
    ]);
    expect(overview.guard).toMatchObject({ difficulty: node.sync.guard.difficulty(), admittedNow: 0 });
  });

  it("detaches a session (closed_locally) and refuses an unknown one (ERR_STRUCT_INVALID_IDENTIFIER)", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const { sessionId } = expectOk(await service.syncAttach({ port: port(), label: "Ben", via: "relay" }));
    expectOk(await service.syncDetach({ sessionId }));
    expect(expectOk(await service.syncOverview()).peers[0]).toMatchObject({ state: "closed", closeReason: "closed_locally" });
    expect(await service.syncDetach({ sessionId: "peer-999" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER", data: { reason: "unknown_session" } },
    });
  });

  it("refuses a 33rd open session (ERR_RESOURCE_PEER_LIMIT) and attaches again once one closes", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const ids = [];
    for (let i = 0; i < 32; i++) ids.push(expectOk(await service.syncAttach({ port: port(), label: `p${i}`, via: "relay" })).sessionId);
    expect(await service.syncAttach({ port: port(), label: "one too many", via: "relay" })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_PEER_LIMIT", data: { reason: "too_many_peers" } },
    });
    expect(expectOk(await service.syncOverview()).peers).toHaveLength(32);
    expectOk(await service.syncDetach({ sessionId: ids[0]! }));
    expect((await service.syncAttach({ port: port(), label: "now there is room", via: "relay" })).ok).toBe(true);
  });

  it("refuses malformed requests before touching the node (ERR_STRUCT_INVALID_TYPE)", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    expect(await service.syncAttach({ port: "not a port", label: "x", via: "relay" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_a_port" } },
    });
    expect(await service.syncOverview("extra")).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
    expect(expectOk(await service.syncOverview()).peers).toEqual([]);
  });

  it("closes every session when the node stops", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    for (let i = 0; i < 3; i++) expectOk(await service.syncAttach({ port: port(), label: `p${i}`, via: "invite" }));
    service.closeAll();
    const peers = expectOk(await service.syncOverview()).peers;
    expect(peers.map((p) => [p.state, p.closeReason])).toEqual(Array.from({ length: 3 }, () => ["closed", "node_stopping"]));
  });
});
