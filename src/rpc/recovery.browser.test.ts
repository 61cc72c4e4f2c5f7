// Restore through the shell's port (ADR 0021), in Chromium: two real node workers on real IndexedDB,
// the second one's databases never used before. The recovery file made by the first brings the same
// identity and the same state into the second; refusals through the port write nothing.
import * as Comlink from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeApi, SubmitRequest } from "./node-api.ts";

type Started = { worker: Worker; api: Comlink.Remote<NodeApi> };
const started: Started[] = [];
const PASSPHRASE = "blue kettle on a quiet morning";

function startWorker(): Started {
  const name = `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const worker = new Worker(new URL("../../workers/node.worker.ts", import.meta.url), { type: "module", name: `twoway-node:${name}` });
  const handle = { worker, api: Comlink.wrap<NodeApi>(worker) };
  started.push(handle);
  return handle;
}

afterEach(() => {
  for (const handle of started.splice(0)) {
    handle.api[Comlink.releaseProxy]();
    handle.worker.terminate();
  }
});

function must<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function codeOf(result: { ok: boolean; error?: { code: string; data: Record<string, unknown> } }): string {
  return result.ok ? "ok" : `${result.error!.code}/${String(result.error!.data["reason"])}`;
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

/** The node's last envelope, as exact signed text. */
async function lastEnvelope(api: Comlink.Remote<NodeApi>): Promise<string> {
  const seq = must(await api.stateDigest()).globalSeq;
  return must(await api.exportEnvelopes({ afterSeq: seq - 1, limit: 1 })).envelopes[0]!.text;
}

describe("restore through the node port (real Worker, real IndexedDB)", () => {
  it("restores the identity into a fresh browser node: same identity id, same state digest once they meet", async () => {
    const first = startWorker();
    must(await first.api.whenReady());
    const me = must(await first.api.createIdentity({ name: "Ada" }));
    for (const handle of ["grace", "linus"]) must(await first.api.submit(addContact(handle)));
    const file = must(await first.api.exportRecovery({ passphrase: PASSPHRASE }));
    expect(file.fileName).toMatch(/^2way-recovery-\d{4}-\d{2}-\d{2}\.json$/);
    expect(file.text).not.toContain('"seed"');

    const second = startWorker();
    must(await second.api.whenReady());
    expect(must(await second.api.listIdentities())).toEqual([]);
    const bytes = new TextEncoder().encode(file.text);
    const restored = must(await second.api.restoreIdentity({ file: bytes, passphrase: PASSPHRASE, label: "Second browser" }));
    expect(restored.identity).toMatchObject({ identityId: me.identityId, name: "Ada", publicKey: me.publicKey });
    expect(restored.imported.rejected).toBe(0);
    expect(must(await second.api.listIdentities()).map((i) => i.identityId)).toEqual([me.identityId]);
    const contacts = must(await second.api.read({ app: "app.contacts", query: { target: "parent", type_key: "contact.profile" } })).rows;
    expect(contacts.map((row) => (row["value"] as { handle: string }).handle).sort()).toEqual(["grace", "linus"]);

    // The restore added one envelope, its binding; once the first node holds it, both digests agree.
    const imported = must(await first.api.importEnvelopes({ envelopes: [await lastEnvelope(second.api)] }));
    expect(imported.accepted).toBe(1);
    expect(must(await second.api.stateDigest()).digest).toBe(must(await first.api.stateDigest()).digest);

    // The restored browser writes as Ada, and the first node accepts it.
    must(await second.api.submit(addContact("margaret")));
    expect(must(await first.api.importEnvelopes({ envelopes: [await lastEnvelope(second.api)] })).accepted).toBe(1);
    expect(must(await second.api.stateDigest()).digest).toBe(must(await first.api.stateDigest()).digest);

    // Rotation in one call: a new device key bound, the old one revoked; writing goes on with the new key.
    const rotated = must(await second.api.rotateDeviceKey());
    expect(rotated.revokedKeyId).toBe(restored.keyId);
    must(await second.api.submit(addContact("barbara")));
    const seq = must(await second.api.stateDigest()).globalSeq;
    const tail = must(await second.api.exportEnvelopes({ afterSeq: seq - 3, limit: 3 })).envelopes.map((e) => e.text);
    expect(must(await first.api.importEnvelopes({ envelopes: tail })).accepted).toBe(3);
    expect(must(await second.api.stateDigest()).digest).toBe(must(await first.api.stateDigest()).digest);
  });

  it("refuses a wrong passphrase, a flipped byte and malformed requests through the port, writing nothing", async () => {
    const first = startWorker();
    must(await first.api.whenReady());
    must(await first.api.createIdentity({ name: "Ada" }));
    const file = new TextEncoder().encode(must(await first.api.exportRecovery({ passphrase: PASSPHRASE })).text);
    expect(codeOf(await first.api.exportRecovery({ passphrase: "too short" }))).toBe("ERR_RECOVERY_PASSPHRASE_WEAK/too_short");
    // The first browser signs with its root key: there is no device key to rotate.
    expect(codeOf(await first.api.rotateDeviceKey())).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/no_device_key");
    expect(codeOf(await first.api.rotateDeviceKey({ keyId: "short" }))).toBe("ERR_STRUCT_INVALID_IDENTIFIER/invalid_key_id");

    const second = startWorker();
    must(await second.api.whenReady());
    const before = must(await second.api.stateDigest());
    const flipped = file.slice();
    const middle = Math.floor(file.length / 2);
    flipped[middle] = flipped[middle]! ^ 0x01;
    const raw = second.api as unknown as Record<string, (...args: unknown[]) => Promise<{ ok: boolean; error?: never }>>;
    const cases: [unknown[], string][] = [
      [[{ file, passphrase: `${PASSPHRASE}?` }], "ERR_RECOVERY_PASSPHRASE_WRONG/check_mismatch"],
      [[{ file: flipped, passphrase: PASSPHRASE }], "ERR_RECOVERY_FILE_INVALID"],
      [[{ file: "not bytes", passphrase: PASSPHRASE }], "ERR_STRUCT_INVALID_TYPE/not_bytes"],
      [[{ file: new Uint8Array(0), passphrase: PASSPHRASE }], "ERR_STRUCT_INVALID_TYPE/out_of_range"],
      [[{ file, passphrase: 7 }], "ERR_STRUCT_INVALID_TYPE/out_of_range"],
      [[{ file }], "ERR_STRUCT_MISSING_FIELD/missing_field"],
      [[{ file, passphrase: PASSPHRASE, extra: 1 }], "ERR_STRUCT_INVALID_TYPE/unknown_field"],
    ];
    for (const [args, code] of cases) {
      const result = codeOf(await raw["restoreIdentity"]!(...args));
      expect(result.startsWith(code), `${code}: got ${result}`).toBe(true);
    }
    expect(must(await second.api.stateDigest())).toEqual(before);
    expect(must(await second.api.listIdentities())).toEqual([]);
  });
});
