// The node inside a real dedicated Worker, reached through Comlink, on Chromium's real IndexedDB:
// the port's contract (Results, coded errors for malformed requests) and one node per origin.
import * as Comlink from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeApi, SubmitRequest } from "./node-api.ts";

type Started = { worker: Worker; api: Comlink.Remote<NodeApi> };
const started: Started[] = [];

function startWorker(nodeName: string): Started {
  const worker = new Worker(new URL("../../workers/node.worker.ts", import.meta.url), { type: "module", name: `twoway-node:${nodeName}` });
  const handle = { worker, api: Comlink.wrap<NodeApi>(worker) };
  started.push(handle);
  return handle;
}

function stopWorker(handle: Started): void {
  const index = started.indexOf(handle);
  if (index < 0) return;
  started.splice(index, 1);
  handle.api[Comlink.releaseProxy]();
  handle.worker.terminate();
}

afterEach(() => {
  for (const handle of [...started]) stopWorker(handle);
});

const uniqueNodeName = () => `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function must<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const addContact = (handle: string): SubmitRequest => ({
  app: "app.contacts",
  domain: "contacts",
  ops: [
    {
      op: "parent_create",
      type_key: "contact.profile",
      payload: { value: { handle, display_name: handle, created_at: new Date().toISOString() } },
    },
  ],
});

/** Waits until `check` holds; Web Locks hand the lock over asynchronously. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Tampering at rest from the page, as any same-origin script could: one field of one audit record. */
function editLogRecord(nodeName: string, seq: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(`twoway-log-${nodeName}`);
    request.onerror = () => reject(request.error ?? new Error("open failed"));
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction("records", "readwrite");
      const store = tx.objectStore("records");
      const read = store.get(seq);
      read.onsuccess = () => store.put({ ...(read.result as Record<string, unknown>), message: "forged" });
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error ?? new Error("edit failed"));
    };
  });
}

describe("node worker over Comlink (real Worker, real IndexedDB)", () => {
  it("starts the node with the built-in apps, writes for the shell identity and keeps it across a worker restart", async () => {
    const name = uniqueNodeName();
    const first = startWorker(name);
    const info = must(await first.api.whenReady());
    expect(info.protocolVersion).toEqual([2, 1, 0]); // wire profile v2 (ADR 0013); 2.1 deflates frames (ADR 0035)
    expect(info.nodeName).toBe(name);
    const apps = must(await first.api.listApps()).map((app) => [app.slug, app.origin, app.state]);
    expect(apps).toEqual([
      ["system", "system", "installed_enabled"],
      ["app.contacts", "built_in", "installed_enabled"],
      ["app.messaging", "built_in", "installed_enabled"],
      ["app.social", "built_in", "installed_enabled"],
      ["app.market", "built_in", "installed_enabled"],
    ]);

    const me = must(await first.api.createIdentity({ name: "Ada" }));
    const receipt = must(await first.api.submit(addContact("grace")));
    expect(receipt.status).toBe("accepted");
    const page = must(await first.api.history({ limit: 2 }));
    expect(page.entries[0]).toMatchObject({
      envelopeId: receipt.envelopeId,
      seq: receipt.seq,
      authorId: me.identityId,
      authorName: "Ada",
      isMine: true,
      app: "app.contacts",
      domain: "contacts",
      status: "accepted",
    });
    expect(page.entries[0]?.ops).toEqual([{ op: "parent_create", typeKey: "contact.profile" }]);
    const digest = must(await first.api.stateDigest());
    stopWorker(first);

    const second = startWorker(name);
    must(await second.api.whenReady());
    expect(must(await second.api.listIdentities()).map((identity) => identity.identityId)).toEqual([me.identityId]);
    expect(must(await second.api.stateDigest())).toEqual(digest);
    // Nothing was edited at rest: the integrity check (ADR 0018) finds nothing to repair.
    expect(must(await second.api.checkIntegrity())).toMatchObject({ clean: true, quarantined: [], objectsRebuilt: 0 });
    const rows = must(await second.api.read({ app: "app.contacts", query: { target: "parent", type_key: "contact.profile" } })).rows;
    expect(rows.map((row) => (row["value"] as { handle: string }).handle)).toEqual(["grace"]);
    // The built-in apps are installed once, not again on every start.
    expect(must(await second.api.listApps())).toHaveLength(5);
  });

  it("answers malformed requests with coded errors and changes nothing (ERR_STRUCT_*, object_invalid)", async () => {
    const { api } = startWorker(uniqueNodeName());
    must(await api.whenReady());
    must(await api.createIdentity({ name: "Ada" }));
    const before = must(await api.stateDigest());
    const history = must(await api.history());
    const raw = api as unknown as Record<
      string,
      (...args: unknown[]) => Promise<{ ok: boolean; error?: { code: string; category: string; data: Record<string, unknown> } }>
    >;

    const cases: [string, unknown[], string][] = [
      ["submit", [], "ERR_STRUCT_INVALID_TYPE"],
      ["submit", [{ app: 42, domain: "contacts", ops: [] }], "ERR_STRUCT_INVALID_IDENTIFIER"],
      ["submit", [{ app: "app.contacts", domain: "contacts" }], "ERR_STRUCT_MISSING_FIELD"],
      ["submit", [{ ...addContact("x"), extra: true }], "ERR_STRUCT_INVALID_TYPE"],
      [
        "submit",
        [{ ...addContact("x"), ops: [{ op: "parent_create", type_key: "contact.profile", payload: { value: { when: new Date() } } }] }],
        "ERR_STRUCT_INVALID_ENCODING",
      ],
      ["submit", [addContact("x"), "second argument"], "ERR_STRUCT_INVALID_TYPE"],
      ["submit", [{ ...addContact("x"), identityId: "not an id" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
      ["history", [{ limit: 0 }], "ERR_STRUCT_INVALID_TYPE"],
      ["history", [{ beforeSeq: "1" }], "ERR_STRUCT_INVALID_TYPE"],
      ["createIdentity", [{ name: "" }], "ERR_STRUCT_INVALID_TYPE"],
      ["importEnvelopes", [{ envelopes: [1] }], "ERR_STRUCT_INVALID_TYPE"],
      ["checkIntegrity", [{ repair: false }], "ERR_STRUCT_INVALID_TYPE"],
      ["dropEverything", [], "object_invalid"],
    ];
    for (const [method, args, code] of cases) {
      const result = await raw[method]!(...args);
      expect(result.ok, `${method} ${JSON.stringify(args)}`).toBe(false);
      expect(result.error?.code, `${method} ${JSON.stringify(args)}`).toBe(code);
      expect(typeof result.error?.category).toBe("string");
    }
    // A well-formed request the schema refuses is the node's rejection: coded, audited, nothing written.
    const refused = await api.submit({ ...addContact("Not A Handle") });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? "" : refused.error.code).toBe("ERR_SCHEMA_INVALID_VALUE");
    const rejections = must(await api.rejections({ limit: 5 })).rejections;
    expect(rejections[0]).toMatchObject({ kind: "write_rejected", code: "ERR_SCHEMA_INVALID_VALUE", app: "app.contacts" });

    expect(must(await api.stateDigest())).toEqual(before);
    expect(must(await api.history())).toEqual(history);
  });

  it("lets one worker per node hold the lock; the second waits, opens nothing, and takes over when the first closes", async () => {
    const name = uniqueNodeName();
    const first = startWorker(name);
    must(await first.api.whenReady());
    must(await first.api.createIdentity({ name: "Ada" }));
    const second = startWorker(name);
    expect(must(await second.api.status())).toMatchObject({ role: "waiting", databaseOpened: false });
    const refused = await second.api.history();
    expect(refused.ok ? "" : refused.error.data["reason"]).toBe("open_in_another_tab");

    // A write in flight finishes before the node stops and lets go of the lock.
    const inFlight = first.api.submit(addContact("grace"));
    const closed = must(await first.api.close());
    expect(closed.role).toBe("closed");
    const written = must(await inFlight);

    must(await second.api.whenReady());
    expect(must(await second.api.status())).toMatchObject({ role: "leader", databaseOpened: true });
    expect(must(await second.api.history({ limit: 1 })).entries[0]?.envelopeId).toBe(written.envelopeId);
    const late = await first.api.history();
    expect(late.ok ? "" : late.error.data["reason"]).toBe("node_closed");
  });

  it("verifies the audit log, finds an edited record after a restart, repairs it; a closed node is not ready (ADR 0017)", async () => {
    const name = uniqueNodeName();
    const first = startWorker(name);
    must(await first.api.whenReady());
    must(await first.api.createIdentity({ name: "Ada" }));
    must(await first.api.submit(addContact("grace")));
    const intact = must(await first.api.verifyAuditLog());
    expect(intact).toMatchObject({ intact: true, breaks: [], writable: true });
    expect(intact.records).toBeGreaterThan(3);
    must(await first.api.close());
    // Issue 13 item 5: after close the node no longer says it is ready.
    expect(await first.api.whenReady()).toMatchObject({ ok: false, error: { data: { reason: "node_closed" } } });
    expect(await first.api.info()).toMatchObject({ ok: false, error: { data: { reason: "node_closed" } } });
    stopWorker(first);

    await editLogRecord(name, 2);
    const second = startWorker(name);
    must(await second.api.whenReady());
    const found = must(await second.api.verifyAuditLog());
    expect(found).toMatchObject({ intact: false, breaks: [{ seq: 2, to: 2, defect: "hash_mismatch", words: "record 2 was edited" }] });
    expect(found.checkpoint).not.toBeNull();
    // The node stays usable while the break is on show.
    must(await second.api.submit(addContact("linus")));
    const repaired = must(await second.api.repairAuditLog());
    expect(repaired).toMatchObject({ intact: true, breaks: [], repairs: [{ breaks: [{ seq: 2, words: "record 2 was edited" }] }] });
    expect(must(await second.api.verifyAuditLog()).intact).toBe(true);
  });

  it("hands the node to the waiting worker when the holder's worker dies", async () => {
    const name = uniqueNodeName();
    const first = startWorker(name);
    must(await first.api.whenReady());
    const second = startWorker(name);
    expect(must(await second.api.status()).role).toBe("waiting");
    stopWorker(first);
    await eventually(async () => must(await second.api.status()).role === "leader");
    expect(must(await second.api.health()).ready).toBe(true);
  });
});
