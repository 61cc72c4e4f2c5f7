// A package stays inside a session frame whatever its envelopes weigh (ADR 0027): the export ends a
// package at 512 KiB of envelope text, so 200 heavy envelopes travel in several frames that all
// encode, instead of one that never does (the pump stopped there for good).
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame } from "../network/index.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "./fixtures.ts";

describe("package size in bytes (ADR 0027)", () => {
  it("splits heavy envelopes over packages that each encode within the frame limit, and the peer takes them all", async () => {
    const [a, b] = [await startNode(), await startNode()];
    for (const side of [a, b]) expectOk(await side.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const me = expectOk(await a.node.identities.create({ name: "Ann" })).identityId;
    const session = expectOk(await a.node.openSession({ identityId: me, app: "app.notes" }));
    const body = "x".repeat(4000);
    for (let i = 0; i < 200; i++)
      expectOk(
        await session.submit({
          domain: "notes",
          ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `n${i}`, body } } }],
        }),
      );
    session.close();
    const peer = { identity: a.node.sync.nodeIdentity, key: a.node.sync.nodeKey };
    const domains = new Set(["system/identity", "system/apps", "app.notes/notes"]);
    for (const domain of ["system/identity", "system/apps"])
      expectOk(
        await b.node.sync.acceptPackage(peer, domains, expectOk(await a.node.sync.exportPackage(b.node.sync.nodeIdentity, domain, 0))!),
      );
    let cursor = (await b.node.sync.cursors(peer.identity))["app.notes/notes"] ?? 0;
    let packages = 0;
    for (;;) {
      const pkg = expectOk(await a.node.sync.exportPackage(b.node.sync.nodeIdentity, "app.notes/notes", cursor, 200));
      if (pkg === null) break;
      packages += 1;
      expect(pkg.envelopes.reduce((n, text) => n + text.length, 0)).toBeLessThanOrEqual(512 * 1024);
      const bytes = expectOk(encodeFrame({ kind: "package", frame: pkg.frame, envelopes: pkg.envelopes }));
      expect(bytes.length).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      expectOk(await b.node.sync.acceptPackage(peer, domains, pkg));
      cursor = pkg.frame.to_seq;
    }
    expect(packages).toBeGreaterThan(1);
    expect((await b.node.stateDigest()).digest).toEqual((await a.node.stateDigest()).digest);
  });
});
