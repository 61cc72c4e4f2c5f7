// A full node database on SQLite (ADR 0022, as ADR 0017 item 5 on IndexedDB): a file at its size cap
// refuses the write that would grow it as ERR_STORAGE_QUOTA; the refusal is audited, nothing is
// committed, and the node keeps serving. A whole node; the cap is SQLite's own max_page_count.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "../../core/acceptance/fixtures.ts";
import { chooseTestStorage } from "../../core/acceptance/test-storage.ts";
import { SqliteStorage } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "twoway-quota-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let cap: number | undefined;
chooseTestStorage((name) => new SqliteStorage(join(dir, `${name}.sqlite`), cap === undefined ? {} : { maxBytes: cap }));

describe("a full SQLite node database", () => {
  it("refuses the write that does not fit as ERR_STORAGE_QUOTA, audits it, and commits nothing", async () => {
    const first = await startNode();
    expectOk(await first.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const me = expectOk(await first.node.identities.create({ name: "Ada" })).identityId;
    await first.node.stop();
    const file = join(dir, `${first.name}.sqlite`);
    const db = new Database(file);
    const [pages, pageSize] = [db.pragma("page_count", { simple: true }) as number, db.pragma("page_size", { simple: true }) as number];
    db.close();
    // Room for a few pages more than it holds: a handful of long notes fill it.
    cap = (pages + 4) * pageSize;
    const t = await startNode({ idb: first.idb, name: first.name, clock: first.clock });
    const session = expectOk(await t.node.openSession({ identityId: me, app: "app.notes" }));
    let refused: { result: unknown; seq: number; digest: unknown } | undefined;
    for (let n = 0; n < 40 && refused === undefined; n++) {
      const seq = t.node.globalSeq();
      const digest = await t.node.stateDigest();
      const result = await session.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `Note ${n}`, body: "x".repeat(4000) } } }],
      });
      if (!result.ok) refused = { result, seq, digest };
    }
    session.close();
    expect(refused?.result).toMatchObject({ ok: false, error: { code: "ERR_STORAGE_QUOTA", data: { reason: "quota_exceeded" } } });
    expect(t.node.globalSeq()).toBe(refused?.seq);
    expect(await t.node.stateDigest()).toEqual(refused?.digest);
    const audited = expectOk(await t.node.audit.query({ kind: "write_rejected", limit: 1 })).records[0];
    expect(audited).toMatchObject({ code: "ERR_STORAGE_QUOTA" });
    expect(t.node.health().ready).toBe(true);
    await t.node.stop();
  });
});
