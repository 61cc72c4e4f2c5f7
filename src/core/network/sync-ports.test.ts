// The sync ports a node hands its sessions: each a call through to the State manager or the Graph,
// and every refusal of a peer's input one `sync_rejected` audit record (DESIGN D6), code and reason only.
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../log/index.ts";
import { nodeError } from "../shared/errors.ts";
import type { IdentityId } from "../shared/ids.ts";
import { ok } from "../shared/result.ts";
import type { PreparedPackage } from "../state/index.ts";
import { createSyncPorts, syncRejectionEntry, type SyncPortsDeps } from "./index.ts";

const PEER = "peer-identity" as IdentityId;
const PREPARED = { frame: {}, texts: [], framed: ok(undefined), validated: null } as unknown as PreparedPackage;

function setup() {
  const calls: string[] = [];
  const recorded: (readonly AuditEntry[])[] = [];
  const call =
    <T>(name: string, value: T) =>
    (...args: unknown[]) => {
      calls.push(`${name}(${args.map((a) => (a instanceof Set ? [...(a as Set<string>)].join("|") : String(a))).join(",")})`);
      return value;
    };
  const deps: SyncPortsDeps = {
    nodeSigner: {} as SyncPortsDeps["nodeSigner"],
    nodeIdentity: "me" as IdentityId,
    offeredDomains: () => ["system/identity"],
    state: {
      cursors: call("cursors", Promise.resolve({})),
      exportPackage: call("exportPackage", Promise.resolve(ok(null))),
      countAfter: call("countAfter", Promise.resolve(0)),
      preparePackage: call("preparePackage", Promise.resolve(ok(PREPARED))),
      commitPackage: call("commitPackage", Promise.resolve(ok([]))),
      isKeyRevoked: call("isKeyRevoked", Promise.resolve(false)),
      missingDependencies: call("missingDependencies", Promise.resolve([])),
      stubIds: call("stubIds", Promise.resolve([])),
      exportWanted: call("exportWanted", Promise.resolve(ok(null))),
      acceptWanted: call("acceptWanted", Promise.resolve(ok([]))),
    },
    graph: { onCommit: call("onCommit", () => {}), aclGeneration: call("aclGeneration", 7) },
    audit: {
      record: (entries) => {
        recorded.push(entries);
        return Promise.resolve();
      },
    },
  };
  return { ports: createSyncPorts(deps), deps, calls, recorded };
}

describe("sync ports", () => {
  it("passes every call through to the State manager or the Graph, arguments unchanged", async () => {
    const { ports, deps, calls } = setup();
    expect(ports.nodeIdentity).toBe("me");
    expect(ports.nodeSigner).toBe(deps.nodeSigner);
    expect(ports.offeredDomains()).toEqual(["system/identity"]);
    const peer = { identity: PEER, key: "k" };
    await ports.cursors(PEER);
    await ports.exportPackage(PEER, "app/d", 3, 50, new Set(["e1"]));
    await ports.countAfter("app/d", 3, 10);
    await ports.preparePackage(peer, new Set(["app/d"]), "pkg");
    await ports.commitPackage(peer, PREPARED);
    await ports.isKeyRevoked("k");
    await ports.missingDependencies(9);
    await ports.stubIds("s", 4);
    expect(ports.aclGeneration()).toBe(7);
    await ports.exportWanted(PEER, ["e"], new Set(["app/d"]));
    await ports.acceptWanted(peer, new Set(["e"]), "have");
    ports.onCommit(() => {});
    expect(calls).toEqual([
      "cursors(peer-identity)",
      "exportPackage(peer-identity,app/d,3,50,e1)",
      "countAfter(app/d,3,10)",
      "preparePackage([object Object],app/d,pkg)",
      "commitPackage([object Object],[object Object])",
      "isKeyRevoked(k)",
      "missingDependencies(9)",
      "stubIds(s,4)",
      "aclGeneration()",
      "exportWanted(peer-identity,e,app/d)",
      "acceptWanted([object Object],e,have)",
      expect.stringMatching(/^onCommit\(/),
    ]);
  });

  it("records each rejection as one sync_rejected entry with the code, reason and connection (ERR_SYNC_SEQUENCE_INVALID)", () => {
    const { ports, recorded } = setup();
    const error = nodeError("ERR_SYNC_SEQUENCE_INVALID", "A gap.", { reason: "gap", input: "never logged" });
    ports.recordRejection(error, { connection: "c1", peer: PEER });
    expect(recorded).toEqual([[syncRejectionEntry(error, { connection: "c1", peer: PEER })]]);
    expect(recorded[0]![0]).toEqual({
      kind: "sync_rejected",
      traceId: null,
      code: "ERR_SYNC_SEQUENCE_INVALID",
      actor: PEER,
      app: null,
      envelopeId: null,
      globalSeq: null,
      message: "A gap.",
      data: { reason: "gap", connection: "c1" },
    });
  });

  it("records `rejected` when the error names no reason", () => {
    const entry = syncRejectionEntry(nodeError("ERR_STRUCT_INVALID_TYPE", "Bad.", {}), { connection: "c2", peer: null });
    expect(entry.data).toEqual({ reason: "rejected", connection: "c2" });
    expect(entry.actor).toBeNull();
  });
});
