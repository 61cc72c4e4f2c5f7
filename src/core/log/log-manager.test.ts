// Log manager: the audit hash chain (DESIGN D5) on fake-indexeddb in Node and real IndexedDB in
// Chromium. Tampering goes straight through a second Dexie connection, as an attacker with disk access would.
import Dexie from "dexie";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../shared/assert.ts";
import { toBase64url } from "../shared/bytes.ts";
import { manualClock } from "../shared/clock.ts";
import { platformIdb, type IdbEnvironment } from "../shared/idb.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { createLogDatabase } from "../storage/index.ts";
import {
  createLogManager,
  GENESIS_HASH,
  logDatabaseName,
  recordHash,
  VERIFY_BATCH,
  type AuditEntry,
  type AuditKind,
  type AuditRecord,
  type LogManager,
} from "./index.ts";

const ACTOR = toBase64url(new Uint8Array(32).fill(7)) as IdentityId;
const ENVELOPE = toBase64url(new Uint8Array(32).fill(9)) as EnvelopeId;

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: "write_accepted",
    traceId: "t-1",
    code: null,
    actor: ACTOR,
    app: "app.messaging",
    envelopeId: ENVELOPE,
    globalSeq: 1,
    message: "accepted",
    data: { ops: 1 },
    ...overrides,
  };
}

async function setup(name = uniqueName("log"), idb?: IdbEnvironment) {
  const env = idb ?? (await testIdb());
  const clock = manualClock();
  const log = createLogManager({ name, idb: env, clock });
  const opened = await log.open();
  if (!opened.ok) throw new Error(opened.error.message);
  return { log, name, idb: env, clock };
}

/** A second, raw connection to the log's database: what tampering looks like. */
function rawTable(name: string, idb: IdbEnvironment) {
  const db = new Dexie(logDatabaseName(name), { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange });
  db.version(1).stores({ records: "seq, [kind+seq], [code+seq], [app+seq], [traceId+seq]" });
  return { db, records: db.table<Record<string, unknown>, number>("records") };
}

async function fill(log: LogManager, count: number, make: (i: number) => Partial<AuditEntry> = () => ({})) {
  const result = await log.recordMany(Array.from({ length: count }, (_, i) => entry(make(i))));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const unwrap = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe("record", () => {
  it("writes seq 1 after the genesis hash, stamped with the clock", async () => {
    const { log } = await setup();
    const record = unwrap(await log.record(entry()));
    expect(record).toMatchObject({ ...entry(), seq: 1, at: "2026-11-21T10:00:00.000Z", prevHash: GENESIS_HASH });
    const { hash, ...unhashed } = record;
    expect(hash).toBe(recordHash(unhashed));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(GENESIS_HASH).toBe("A".repeat(43));
  });

  it("links each record to the one before", async () => {
    const { log, clock } = await setup();
    const first = unwrap(await log.record(entry()));
    clock.advance(5);
    const second = unwrap(await log.record(entry({ kind: "write_rejected", code: "ERR_AUTH_ACL_DENIED", globalSeq: null })));
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: "2026-11-21T10:00:00.005Z", code: "ERR_AUTH_ACL_DENIED" });
  });

  it("accepts every audit kind and all-null optional fields", async () => {
    const { log } = await setup();
    const kinds: AuditKind[] = [
      "write_accepted",
      "write_rejected",
      "ingest_accepted",
      "ingest_rejected",
      "ingest_pending",
      "app_installed",
      "app_state_changed",
      "identity_created",
      "config_updated",
      "node_started",
    ];
    for (const kind of kinds) {
      const result = await log.record({
        kind,
        traceId: null,
        code: null,
        actor: null,
        app: null,
        envelopeId: null,
        globalSeq: null,
        message: "",
        data: {},
      });
      expect(result.ok).toBe(true);
    }
    expect(unwrap(await log.verifyChain()).length).toBe(kinds.length);
  });

  it("returns a frozen record that later edits of the caller's data cannot reach", async () => {
    const { log } = await setup();
    const data = { nested: { n: 1 } };
    const record = unwrap(await log.record(entry({ data })));
    data.nested.n = 2;
    expect(record.data).toEqual({ nested: { n: 1 } });
    expect(Object.isFrozen(record) && Object.isFrozen(record.data) && Object.isFrozen(record.data.nested)).toBe(true);
    expect(unwrap(await log.verifyChain()).length).toBe(1);
  });

  it("accepts global seq 0, the head of a node that has accepted nothing yet", async () => {
    const { log } = await setup();
    expect(await log.record(entry({ kind: "node_started", globalSeq: 0 }))).toMatchObject({ ok: true, value: { globalSeq: 0 } });
  });

  it("keeps data and message at their limits", async () => {
    const { log } = await setup();
    const filler = "x".repeat(4096 - '{"s":""}'.length);
    expect((await log.record(entry({ data: { s: filler }, message: "m".repeat(512) }))).ok).toBe(true);
  });
});

describe("rejected entries (ERR_MNG_LOG_RECORD_INVALID): nothing written", () => {
  const cases: readonly [string, unknown, string][] = [
    ["a non-object entry", "write_accepted", "expected_object"],
    ["an unknown field", { ...entry(), severity: "info" }, "unknown_field"],
    ["a missing field", (({ traceId: _t, ...rest }) => rest)(entry()), "missing_field"],
    ["an undefined field", { ...entry(), app: undefined }, "missing_field"],
    ["an unknown kind", entry({ kind: "write_maybe" as AuditKind }), "invalid_kind"],
    ["a code outside the registry", entry({ code: "ERR_MADE_UP" as any }), "invalid_code"],
    ["a lower-case protocol code", entry({ code: "err_auth_acl_denied" as any }), "invalid_code"],
    ["a malformed trace id", entry({ traceId: "has space" }), "invalid_trace_id"],
    ["an empty trace id", entry({ traceId: "" }), "invalid_trace_id"],
    ["a trace id over 128 characters", entry({ traceId: "t".repeat(129) }), "invalid_trace_id"],
    ["a malformed actor", entry({ actor: "ada" as IdentityId }), "invalid_actor"],
    ["a malformed app", entry({ app: "App Messaging" }), "invalid_app"],
    ["a malformed envelope id", entry({ envelopeId: "e1" as EnvelopeId }), "invalid_envelope_id"],
    ["a negative global seq", entry({ globalSeq: -1 }), "invalid_global_seq"],
    ["a fractional global seq", entry({ globalSeq: 1.5 }), "invalid_global_seq"],
    ["a non-string message", entry({ message: 42 as any }), "invalid_message"],
    ["a message with a lone surrogate", entry({ message: "a\ud800b" }), "invalid_message"],
    ["a message over 512 characters", entry({ message: "m".repeat(513) }), "message_too_long"],
    ["data that is an array", entry({ data: [1] as any }), "invalid_data"],
    ["data that is null", entry({ data: null as any }), "invalid_data"],
    ["data holding NaN", entry({ data: { n: Number.NaN } }), "invalid_data"],
    ["data holding undefined", entry({ data: { n: undefined } as any }), "invalid_data"],
    ["data holding a Date", entry({ data: { when: new Date() } as any }), "invalid_data"],
    ["data over 4096 canonical bytes", entry({ data: { s: "x".repeat(4096) } }), "data_too_large"],
    ["data over 4096 bytes by multi-byte text", entry({ data: { s: "é".repeat(2045) } }), "data_too_large"],
  ];

  it.each(cases)("rejects %s", async (_name, bad, reason) => {
    const { log } = await setup();
    const result = await log.record(bad as AuditEntry);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_RECORD_INVALID", category: "internal", data: { reason } } });
    expect(unwrap(await log.verifyChain())).toEqual({ length: 0, head: GENESIS_HASH });
  });

  it("rejects a whole batch for one bad entry and names its index", async () => {
    const { log } = await setup();
    const result = await log.recordMany([entry(), entry({ code: "NOPE" as any }), entry()]);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_RECORD_INVALID", data: { reason: "invalid_code", index: 1 } } });
    expect(unwrap(await log.verifyChain()).length).toBe(0);
  });

  it("rejects a batch that is not an array", async () => {
    const { log } = await setup();
    expect(await log.recordMany(entry() as any)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_RECORD_INVALID", data: { reason: "expected_array" } },
    });
  });
});

describe("recordMany", () => {
  it("writes a batch with consecutive seqs and one timestamp", async () => {
    const { log } = await setup();
    await log.record(entry());
    const records = await fill(log, 3, (i) => ({ globalSeq: i + 2 }));
    expect(records.map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(unwrap(await log.verifyChain())).toEqual({ length: 4, head: records[2]!.hash });
  });

  it("writes nothing and succeeds for an empty batch", async () => {
    const { log } = await setup();
    expect(await log.recordMany([])).toEqual({ ok: true, value: [] });
    expect(unwrap(await log.verifyChain()).length).toBe(0);
  });
});

describe("serialized writes", () => {
  it("never forks under 50 concurrent record calls: seqs 1..50 in call order, chain verifies", async () => {
    const { log } = await setup();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.record(entry({ globalSeq: i + 1 }))));
    const records = results.map(unwrap);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records.map((r) => r.globalSeq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(unwrap(await log.verifyChain())).toEqual({ length: 50, head: records[49]!.hash });
  });

  it("interleaves concurrent batches without splitting them", async () => {
    const { log } = await setup();
    const [a, b] = await Promise.all([fill(log, 3, () => ({ message: "a" })), fill(log, 2, () => ({ message: "b" }))]);
    expect(a.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(b.map((r) => r.seq)).toEqual([4, 5]);
  });
});

describe("verifyChain", () => {
  it("reports an empty log as length 0 at the genesis hash", async () => {
    const { log } = await setup();
    expect(await log.verifyChain()).toEqual({ ok: true, value: { length: 0, head: GENESIS_HASH } });
  });

  it("verifies while writes are still landing", async () => {
    const { log } = await setup();
    await fill(log, 10);
    const writes = Array.from({ length: 20 }, () => log.record(entry()));
    const verified = unwrap(await log.verifyChain());
    await Promise.all(writes);
    expect(verified.length).toBeGreaterThanOrEqual(10);
    expect(unwrap(await log.verifyChain()).length).toBe(30);
  });

  it("streams a log longer than several batches", async () => {
    const { log } = await setup();
    const count = VERIFY_BATCH * 2 + 7;
    const records = await fill(log, count, (i) => ({ globalSeq: i + 1 }));
    expect(unwrap(await log.verifyChain())).toEqual({ length: count, head: records[count - 1]!.hash });
  });

  async function tampered(change: (records: ReturnType<typeof rawTable>["records"], written: readonly AuditRecord[]) => Promise<unknown>) {
    const { log, name, idb } = await setup();
    const written = await fill(log, 6, (i) => ({ globalSeq: i + 1, message: `m${i + 1}` }));
    const raw = rawTable(name, idb);
    await change(raw.records, written);
    raw.db.close();
    return log.verifyChain();
  }

  const broken = (reason: string, atSeq: number) => ({
    ok: false,
    error: { code: "ERR_MNG_LOG_RECORD_INVALID", data: { reason, at_seq: atSeq } },
  });

  it("finds an edited field (hash_mismatch at that seq)", async () => {
    expect(await tampered((records) => records.update(3, { message: "forged" }))).toMatchObject(broken("hash_mismatch", 3));
  });

  it("finds edited data", async () => {
    expect(await tampered((records) => records.update(5, { data: { ops: 2 } }))).toMatchObject(broken("hash_mismatch", 5));
  });

  it("finds an edited row whose own hash was recomputed (link_broken at the next seq)", async () => {
    const result = await tampered(async (records, written) => {
      const { hash: _hash, ...unhashed } = { ...written[2]!, message: "forged" };
      await records.put({ ...unhashed, hash: recordHash(unhashed) });
    });
    expect(result).toMatchObject(broken("link_broken", 4));
  });

  it("finds a deleted row (seq_gap at the missing seq)", async () => {
    expect(await tampered((records) => records.delete(4))).toMatchObject(broken("seq_gap", 4));
  });

  it("finds a row with an added field", async () => {
    expect(await tampered((records, written) => records.put({ ...written[1]!, extra: true }))).toMatchObject(broken("malformed_record", 2));
  });

  it("finds a removed field", async () => {
    const result = await tampered(async (records, written) => {
      const { app: _app, ...rest } = written[0]!;
      await records.put(rest);
    });
    expect(result).toMatchObject(broken("malformed_record", 1));
  });

  it("finds rows cut from the end (truncated at the first missing seq)", async () => {
    expect(await tampered((records) => records.bulkDelete([5, 6]))).toMatchObject(broken("truncated", 5));
  });

  it("finds a chain recomputed from an edit onwards (rewritten at the remembered head)", async () => {
    const result = await tampered(async (records, written) => {
      let prevHash = written[0]!.hash;
      for (const original of written.slice(1)) {
        const { hash: _hash, ...unhashed } = { ...original, prevHash, message: original.seq === 2 ? "forged" : original.message };
        prevHash = recordHash(unhashed);
        await records.put({ ...unhashed, hash: prevHash });
      }
    });
    expect(result).toMatchObject(broken("rewritten", 6));
  });

  it("finds a forged genesis link", async () => {
    expect(await tampered((records) => records.update(1, { prevHash: "B".repeat(43) }))).toMatchObject(broken("link_broken", 1));
  });
});

describe("persistence", () => {
  it("continues the chain at the next seq after a reopen of the same name", async () => {
    const { log, name, idb } = await setup();
    const before = await fill(log, 3);
    await log.close();
    const { log: again } = await setup(name, idb);
    const next = unwrap(await again.record(entry({ kind: "node_started" })));
    expect(next).toMatchObject({ seq: 4, prevHash: before[2]!.hash });
    expect(unwrap(await again.verifyChain())).toEqual({ length: 4, head: next.hash });
    expect(unwrap(await again.query({})).records.map((r) => r.seq)).toEqual([4, 3, 2, 1]);
  });

  it("keeps logs of different names apart", async () => {
    const idb = await testIdb();
    const { log: a } = await setup(uniqueName("log-a"), idb);
    const { log: b } = await setup(uniqueName("log-b"), idb);
    await fill(a, 2);
    expect(unwrap(await b.verifyChain()).length).toBe(0);
  });

  it("opens on a tampered newest record but appends nothing after it until a repair (ERR_MNG_LOG_CHAIN_BROKEN)", async () => {
    const { log, name, idb } = await setup();
    await fill(log, 2);
    await log.close();
    const raw = rawTable(name, idb);
    await raw.records.update(2, { message: "forged" });
    raw.db.close();
    const again = createLogManager({ name, idb, clock: manualClock() });
    unwrap(await again.open());
    expect(await again.record(entry())).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_CHAIN_BROKEN", data: { reason: "tail_damaged" } },
    });
    expect(await again.verifyChain()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_RECORD_INVALID", data: { reason: "hash_mismatch", at_seq: 2 } },
    });
    // Without the node key there is nothing to seal a repair with (the node always anchors its log).
    expect(await again.repair()).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_CHAIN_BROKEN", data: { reason: "no_anchor" } } });
    await again.close();
  });

  it("refuses to fork: a second writer on the same database gets chain_diverged", async () => {
    const { log: first, name, idb } = await setup();
    const { log: second } = await setup(name, idb);
    unwrap(await first.record(entry()));
    expect(await second.record(entry())).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_UNAVAILABLE", data: { reason: "chain_diverged" } },
    });
    expect(unwrap(await first.verifyChain()).length).toBe(1);
  });
});

describe("query", () => {
  async function seeded() {
    const { log } = await setup();
    await log.recordMany([
      entry({ kind: "write_accepted", app: "app.messaging", traceId: "a", globalSeq: 1 }),
      entry({ kind: "write_rejected", app: "app.messaging", traceId: "b", code: "ERR_AUTH_ACL_DENIED", globalSeq: null }),
      entry({ kind: "ingest_rejected", app: "app.social", traceId: "c", code: "ERR_CRYPTO_INVALID_SIGNATURE", globalSeq: null }),
      entry({ kind: "ingest_accepted", app: "app.social", traceId: "c", globalSeq: 2 }),
      entry({ kind: "write_rejected", app: "app.social", traceId: "d", code: "ERR_AUTH_ACL_DENIED", globalSeq: null }),
      entry({ kind: "config_updated", app: null, traceId: null, envelopeId: null, actor: null, globalSeq: null }),
    ]);
    return log;
  }
  const seqs = (page: { records: readonly AuditRecord[] }) => page.records.map((r) => r.seq);

  it("returns everything newest first", async () => {
    const log = await seeded();
    expect(unwrap(await log.query({}))).toMatchObject({ nextBeforeSeq: null });
    expect(seqs(unwrap(await log.query({})))).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it.each([
    ["one kind", { kind: "write_rejected" }, [5, 2]],
    ["a list of kinds", { kind: ["ingest_rejected", "write_accepted", "ingest_rejected"] }, [3, 1]],
    ["a code", { code: "ERR_AUTH_ACL_DENIED" }, [5, 2]],
    ["an app", { app: "app.social" }, [5, 4, 3]],
    ["a trace id", { traceId: "c" }, [4, 3]],
    ["app and kind", { app: "app.social", kind: "write_rejected" }, [5]],
    ["code, app and kinds", { code: "ERR_AUTH_ACL_DENIED", app: "app.messaging", kind: ["write_rejected"] }, [2]],
    ["trace id and code", { traceId: "c", code: "ERR_CRYPTO_INVALID_SIGNATURE" }, [3]],
    ["a kind list with another filter", { kind: ["ingest_accepted", "write_accepted"], app: "app.social" }, [4]],
    ["beforeSeq", { beforeSeq: 4 }, [3, 2, 1]],
    ["beforeSeq with an app", { app: "app.social", beforeSeq: 5 }, [4, 3]],
    ["a kind nobody logged", { kind: "app_installed" }, []],
    ["an app nobody logged", { app: "app.market" }, []],
  ] as const)("filters by %s", async (_name, filter, expected) => {
    const log = await seeded();
    expect(seqs(unwrap(await log.query(filter)))).toEqual(expected);
  });

  it("pages with limit and nextBeforeSeq until the end", async () => {
    const log = await seeded();
    const first = unwrap(await log.query({ limit: 4 }));
    expect(seqs(first)).toEqual([6, 5, 4, 3]);
    expect(first.nextBeforeSeq).toBe(3);
    const second = unwrap(await log.query({ limit: 4, beforeSeq: first.nextBeforeSeq! }));
    expect(seqs(second)).toEqual([2, 1]);
    expect(second.nextBeforeSeq).toBeNull();
  });

  it("pages a filtered list of kinds", async () => {
    const log = await seeded();
    const first = unwrap(await log.query({ kind: ["write_rejected", "ingest_rejected"], limit: 2 }));
    expect(seqs(first)).toEqual([5, 3]);
    const second = unwrap(await log.query({ kind: ["write_rejected", "ingest_rejected"], limit: 2, beforeSeq: first.nextBeforeSeq! }));
    expect(seqs(second)).toEqual([2]);
    expect(second.nextBeforeSeq).toBeNull();
  });

  it("sets no next page when the last page is exactly full", async () => {
    const log = await seeded();
    expect(unwrap(await log.query({ limit: 6 })).nextBeforeSeq).toBeNull();
  });

  it("returns 100 records by default and up to 1000", async () => {
    const { log } = await setup();
    await fill(log, 1001);
    const page = unwrap(await log.query({}));
    expect(page.records).toHaveLength(100);
    expect(page.nextBeforeSeq).toBe(902);
    const big = unwrap(await log.query({ limit: 1000 }));
    expect(big.records).toHaveLength(1000);
    expect(big.nextBeforeSeq).toBe(2);
  });

  it("returns records that verify against their hash", async () => {
    const log = await seeded();
    for (const record of unwrap(await log.query({})).records) {
      const { hash, ...unhashed } = record;
      expect(recordHash(unhashed)).toBe(hash);
    }
  });

  it.each([
    ["a non-object filter", "write_accepted", "expected_object"],
    ["an unknown filter field", { severity: "info" }, "unknown_field"],
    ["an unknown kind", { kind: "write" }, "invalid_kind"],
    ["an empty kind list", { kind: [] }, "invalid_kind"],
    ["a kind list with an unknown kind", { kind: ["write_accepted", "x"] }, "invalid_kind"],
    ["an unregistered code", { code: "ERR_NOPE" }, "invalid_code"],
    ["an empty app", { app: "" }, "invalid_app"],
    ["a non-string trace id", { traceId: 5 }, "invalid_trace_id"],
    ["limit 0", { limit: 0 }, "invalid_limit"],
    ["limit 1001", { limit: 1001 }, "invalid_limit"],
    ["a fractional limit", { limit: 2.5 }, "invalid_limit"],
    ["beforeSeq 0", { beforeSeq: 0 }, "invalid_before_seq"],
    ["a string beforeSeq", { beforeSeq: "9" }, "invalid_before_seq"],
  ] as const)("rejects %s (object_invalid)", async (_name, filter, reason) => {
    const { log } = await setup();
    expect(await log.query(filter as any)).toMatchObject({ ok: false, error: { code: "object_invalid", data: { reason } } });
  });

  it("honours a smaller configured maximum (log.query.max_limit)", async () => {
    const log = createLogManager({ name: uniqueName("log"), idb: await testIdb(), clock: manualClock(), maxQueryLimit: 10 });
    await log.open();
    expect(await log.query({ limit: 11 })).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "invalid_limit" } },
    });
    expect((await log.query({ limit: 10 })).ok).toBe(true);
  });
});

describe("lifecycle and sink failures", () => {
  it("throws when used before open, opened twice, or given a bad maximum (bugs)", async () => {
    const idb = await testIdb();
    const log = createLogManager({ name: uniqueName("log"), idb, clock: manualClock() });
    await expect(log.record(entry())).rejects.toThrow(AssertionError);
    expect(() => log.recordMany([])).toThrow(AssertionError);
    const opening = log.open();
    await expect(log.open()).rejects.toThrow(AssertionError);
    expect((await opening).ok).toBe(true);
    await expect(log.open()).rejects.toThrow(AssertionError);
    expect(() => createLogManager({ name: "x", idb, clock: manualClock(), maxQueryLimit: 1001 })).toThrow(AssertionError);
  });

  it("reports a database that cannot open (ERR_MNG_LOG_UNAVAILABLE)", async () => {
    const real = await testIdb();
    const failing: IdbEnvironment = {
      IDBKeyRange: real.IDBKeyRange,
      indexedDB: {
        open: () => {
          throw new Error("disk gone");
        },
        deleteDatabase: (name: string) => real.indexedDB.deleteDatabase(name),
        cmp: (a: unknown, b: unknown) => real.indexedDB.cmp(a, b),
        databases: () => real.indexedDB.databases(),
      },
    };
    const log = createLogManager({ name: uniqueName("log"), idb: failing, clock: manualClock() });
    expect(await log.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_UNAVAILABLE", category: "storage", data: { reason: "open_failed" } },
    });
  });

  it("reports writes and reads once the database was deleted underneath", async () => {
    const { log, name, idb } = await setup();
    await log.record(entry());
    await new Promise<void>((resolve, reject) => {
      const request = idb.indexedDB.deleteDatabase(logDatabaseName(name));
      request.onsuccess = () => resolve();
      request.onerror = () => reject(new Error("delete failed"));
    });
    // The first write finds the database gone; an unanchored log cannot vouch for a fresh one, so it
    // stays closed to writes (the node's anchored log repairs instead: log-anchor.test.ts).
    expect(await log.record(entry())).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_UNAVAILABLE", data: { reason: "database_closed" } },
    });
    expect(log.isWritable()).toBe(false);
    for (const result of [await log.record(entry()), await log.query({}), await log.verifyChain()]) {
      expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE" } });
    }
    await log.close();
  });

  /** Makes IndexedDB requests throw (as on a quota error) until the returned restore() is called. */
  async function breakIdb(target: "IDBObjectStore" | "IDBIndex", methods: readonly string[]): Promise<() => void> {
    const scope =
      platformIdb() !== undefined
        ? (globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>)
        : ((await import("fake-indexeddb")) as any);
    const proto = scope[target]!.prototype;
    const saved = methods.map((method) => [method, proto[method]] as const);
    for (const method of methods) {
      proto[method] = () => {
        throw new DOMException("injected", "QuotaExceededError");
      };
    }
    return () => saved.forEach(([method, original]) => (proto[method] = original));
  }

  it("reports a failing write (write_failed), writes nothing, and continues the chain afterwards", async () => {
    const { log } = await setup();
    const first = unwrap(await log.record(entry()));
    const restore = await breakIdb("IDBObjectStore", ["add", "put"]);
    let failed;
    try {
      failed = await log.recordMany([entry(), entry()]);
    } finally {
      restore();
    }
    expect(failed).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_UNAVAILABLE", data: { reason: "write_failed" } },
    });
    // Refused while it recovers, then it writes again by itself (ADR 0017).
    await log.whenWritable();
    expect(unwrap(await log.record(entry()))).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(unwrap(await log.verifyChain()).length).toBe(2);
    await log.close();
  });

  it("reports failing reads (read_failed)", async () => {
    const { log } = await setup();
    await fill(log, 3);
    const restore = [
      await breakIdb("IDBObjectStore", ["openCursor", "openKeyCursor", "getAll", "getAllKeys", "get"]),
      await breakIdb("IDBIndex", ["openCursor", "openKeyCursor", "getAll", "getAllKeys", "get"]),
    ];
    let results;
    try {
      results = [await log.query({}), await log.query({ kind: ["write_accepted", "node_started"] }), await log.verifyChain()];
    } finally {
      restore.forEach((undo) => undo());
    }
    for (const result of results) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_LOG_UNAVAILABLE", data: { reason: "read_failed" } },
      });
    }
    expect(unwrap(await log.verifyChain()).length).toBe(3);
  });

  it("finishes queued writes on close, then refuses new ones", async () => {
    const { log } = await setup();
    const queued = [log.record(entry()), log.record(entry())];
    await log.close();
    expect((await Promise.all(queued)).map((r) => r.ok)).toEqual([true, true]);
    const closed = { ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE", data: { reason: "closed" } } };
    expect(await log.record(entry())).toMatchObject(closed);
    expect(await log.query({})).toMatchObject(closed);
    expect(await log.verifyChain()).toMatchObject(closed);
    await log.close();
  });
});

describe("records written soon (issue 17, ADR 0029 amendment)", () => {
  async function counted(failAppends = false) {
    const env = await testIdb();
    const appends: number[] = [];
    const log = createLogManager({
      name: uniqueName("log"),
      idb: env,
      clock: manualClock(),
      database: () => {
        const inner = createLogDatabase<AuditRecord>(uniqueName("log-db"), env);
        return {
          ...inner,
          appendAfterLast: async (build) => {
            if (failAppends) throw new Error("injected: the log cannot write");
            const written = await inner.appendAfterLast(build);
            appends.push(written?.length ?? 0);
            return written;
          },
        };
      },
    });
    expect((await log.open()).ok).toBe(true);
    return { log, appends };
  }

  it("joins the next append's transaction, in call order", async () => {
    const { log, appends } = await counted();
    const outcome = log.recordMany([entry({ kind: "write_accepted" })], { soon: true });
    const intent = await log.recordMany([entry({ kind: "write_intent", envelopeId: null })]);
    expect(intent).toMatchObject({ ok: true, value: [{ seq: 2, kind: "write_intent" }] });
    expect(await outcome).toMatchObject({ ok: true, value: [{ seq: 1, kind: "write_accepted" }] });
    expect(appends).toEqual([2]);
    await log.close();
  });

  it("is written alone when no append follows, and a query sees it", async () => {
    const { log, appends } = await counted();
    const alone = log.recordMany([entry()], { soon: true });
    const page = await log.query({});
    expect(page.ok && page.value.records.map((r) => r.seq)).toEqual([1]);
    expect(await alone).toMatchObject({ ok: true, value: [{ seq: 1 }] });
    expect(appends).toEqual([1]);
    await log.close();
  });

  it("is written by close()", async () => {
    const { log, appends } = await counted();
    const pending = log.recordMany([entry()], { soon: true });
    await log.close();
    expect(await pending).toMatchObject({ ok: true });
    expect(appends).toEqual([1]);
  });

  it("refuses an invalid entry at once and queues nothing", async () => {
    const { log, appends } = await counted();
    expect(await log.recordMany([entry({ kind: "nope" as AuditKind })], { soon: true })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_LOG_RECORD_INVALID" },
    });
    await log.close();
    expect(appends).toEqual([]);
  });

  it("fails with the intent it shares a transaction with when the log cannot write: the intent is refused", async () => {
    const { log } = await counted(true);
    const outcome = log.recordMany([entry()], { soon: true });
    const intent = await log.recordMany([entry({ kind: "write_intent", envelopeId: null })]);
    expect(intent).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE" } });
    expect(await outcome).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE" } });
    expect(log.isWritable()).toBe(false);
    await log.close();
  });
});
