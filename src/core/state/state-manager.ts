// The State manager (public design 09): per (peer, domain) cursors over the sender's global_seq,
// signed package frames out, and package acceptance in: frame, sender, domain and range are checked
// before any envelope work, and only an accepted package moves a cursor (DESIGN §3).
import type { Signer } from "../crypto/index.ts";
import type { GraphManager, IngestOutcome } from "../graph/index.ts";
import { nodeError } from "../shared/errors.ts";
import { digestId, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { parseWireJson } from "../shared/wire-json.ts";
import type { EnvelopeRow, NodeStorage } from "../storage/index.ts";
import {
  buildPackageFrame,
  stubTextOf,
  verifyPackageFrame,
  DEFAULT_ENVELOPE_LIMITS,
  MAX_FRAME_ENVELOPES,
  type PackageFrame,
  type VerifiedLink,
} from "../wire/index.ts";

/** A package as it travels: the signed frame and the canonical envelope texts it names, in order. */
export type SyncPackage = { readonly frame: PackageFrame; readonly envelopes: readonly string[] };

/** The authenticated peer of a session (from its signed hello), never a transport reference. */
export type SessionPeer = { readonly identity: IdentityId; readonly key: string };

export type StatePorts = {
  readonly storage: NodeStorage;
  readonly graph: Pick<GraphManager, "ingestPackage" | "validateLinks" | "ingestMany" | "syncReadRows" | "aclFacts">;
  /** The node key that signs outgoing frames (DESIGN D2). */
  readonly nodeSigner: Signer;
  readonly nodeIdentity: IdentityId;
  /**
   * Integrity at rest (ADR 0018): exports wait for the start check, which quarantines envelopes whose
   * stored text no longer verifies, and skip what a running check has found bad: never sent to peers.
   */
  readonly integrity?: { settled(): Promise<void>; isWithheld(envelopeId: string): boolean };
};

const SYNC_SOURCE = { kind: "remote" as const, actor: null };

function syncError(
  code: "ERR_SYNC_SEQUENCE_INVALID" | "ERR_SYNC_DOMAIN_VIOLATION" | "ERR_SYNC_RANGE_MISMATCH",
  message: string,
  reason: string,
  data: Record<string, string | number> = {},
): Result<never> {
  return err(nodeError(code, message, { reason, ...data }));
}

export class StateManager {
  readonly #ports: StatePorts;

  constructor(ports: StatePorts) {
    this.#ports = ports;
  }

  #isWithheld(envelopeId: string): boolean {
    return this.#ports.integrity?.isWithheld(envelopeId) ?? false;
  }

  /** How far this node has received `peer`'s history for each domain. */
  async cursors(peer: IdentityId): Promise<Readonly<Record<string, number>>> {
    return Object.fromEntries((await this.#ports.storage.listCursors(peer)).map((c) => [c.domain, c.seq]));
  }

  cursor(peer: IdentityId, domain: string): Promise<number> {
    return this.#ports.storage.getCursor(peer, domain);
  }

  /**
   * The next package of `domain` (`<app>/<domain>`) for `peer` after `afterSeq`: the range covers
   * every local seq scanned. Each envelope of that domain travels full when the peer may read it
   * (sync_read), else as its stub; a full envelope whose prev the peer may lack comes after the
   * stubs that connect it (DESIGN §3). Envelopes `skip` names (the peer sent them, ADR 0026) are
   * left out like withheld ones; the range still covers their seqs. `null` when nothing new exists.
   */
  async exportPackage(
    peer: IdentityId,
    domain: string,
    afterSeq: number,
    limit = 200,
    skip: { has(id: string): boolean; coversSeqs?(from: number, to: number): boolean } = NOTHING,
  ): Promise<Result<SyncPackage | null>> {
    const [app, name] = splitDomain(domain);
    const storage = this.#ports.storage;
    const max = Math.min(limit, MAX_FRAME_ENVELOPES);
    // The range may only claim what the scan saw: commits landing during the scan have a higher seq
    // and go in the next package. (Reading global_seq after the scan once let a range skip one.)
    await this.#ports.integrity?.settled();
    const upTo = storage.globalSeq;
    if (upTo <= afterSeq) return ok(null);
    // Every seq since holds what the peer sent (ADR 0027): nothing to carry, only the range to move.
    if (skip.coversSeqs?.(afterSeq + 1, upTo) === true) return this.#rangeOnly(domain, afterSeq, upTo);
    const rows = (await storage.history({ afterSeq, limit: max, app })).filter((row) => row.seq <= upTo && !this.#isWithheld(row.id));
    const ofDomain = rows.filter((row) => row.domain === name);
    const inDomain = ofDomain.filter((row) => !skip.has(row.id));
    // One sync_read for the whole package: the rows are in hand, and their objects are read at once.
    const decisions = await this.#ports.graph.syncReadRows(peer, inDomain);
    const readable = new Set(inDomain.filter((_, i) => decisions[i]!.allow).map((row) => row.id));
    // Connecting stubs stop at what the range holds, the skipped too (the peer has them).
    const inRange = new Set(ofDomain.map((row) => row.id));
    const out = new PackageBuilder(MAX_FRAME_ENVELOPES);
    // The range ends early when connecting stubs fill the frame: the rest goes in the next package.
    let toSeq = rows.length < max ? upTo : rows[rows.length - 1]!.seq;
    for (const [i, row] of rows.entries()) {
      if (row.domain !== name || skip.has(row.id)) continue;
      const items = readable.has(row.id)
        ? [...(await this.#connectingStubs(row, domain, afterSeq, inRange, out)), { id: row.id, text: row.text }]
        : [{ id: row.id, text: stubTextOf(row.text) }];
      const fresh = items.filter((item) => !out.has(item.id));
      // A package stays well inside a session frame (1 MiB, ADR 0008) whatever its envelopes weigh:
      // 200 envelopes of up to 256 KiB would not encode, and the pump would stop there for good.
      const heavier = out.bytes + fresh.reduce((n, item) => n + item.text.length, 0) > MAX_PACKAGE_TEXT_BYTES;
      if (fresh.length > out.room() || (out.ids.length > 0 && heavier)) {
        toSeq = i === 0 ? afterSeq : rows[i - 1]!.seq;
        break;
      }
      for (const item of items) out.add(item.id, item.text);
    }
    if (toSeq <= afterSeq) return ok(null);
    const frame = await buildPackageFrame(this.#ports.nodeSigner, {
      syncDomain: domain,
      fromSeq: afterSeq + 1,
      toSeq,
      envelopeIds: out.ids,
      senderIdentity: this.#ports.nodeIdentity,
    });
    if (!frame.ok) return frame;
    return ok({ frame: frame.value, envelopes: out.texts });
  }

  /** A package that carries nothing and moves the peer's cursor over `afterSeq + 1 .. toSeq`. */
  async #rangeOnly(domain: string, afterSeq: number, toSeq: number): Promise<Result<SyncPackage>> {
    const frame = await buildPackageFrame(this.#ports.nodeSigner, {
      syncDomain: domain,
      fromSeq: afterSeq + 1,
      toSeq,
      envelopeIds: [],
      senderIdentity: this.#ports.nodeIdentity,
    });
    return frame.ok ? ok({ frame: frame.value, envelopes: [] }) : frame;
  }

  /**
   * How many envelopes of `domain` lie after `afterSeq`, counted up to `cap` (ADR 0026: the "of M"
   * a sender tells its peer). Withheld rows are left out; rows the peer may not read travel as
   * stubs and count too.
   */
  async countAfter(domain: string, afterSeq: number, cap: number): Promise<number> {
    const [app, name] = splitDomain(domain);
    let count = 0;
    let after = afterSeq;
    for (;;) {
      const rows = await this.#ports.storage.history({ afterSeq: after, limit: COUNT_PAGE, app });
      count += rows.filter((row) => row.domain === name && !this.#isWithheld(row.id)).length;
      if (rows.length < COUNT_PAGE || count >= cap) return Math.min(count, cap);
      after = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * The stubs that connect a full envelope to what the peer holds of its key's chain, oldest first
   * (DESIGN §3). Walking back along prev stops at an envelope of this package, or of this domain
   * that an earlier package carried (the peer's cursor is past it); the rest are links the peer may
   * never have seen. Bounded by the package's room: what does not fit the peer asks for (`want`).
   */
  async #connectingStubs(
    row: EnvelopeRow,
    domain: string,
    afterSeq: number,
    inRange: ReadonlySet<string>,
    out: PackageBuilder,
  ): Promise<{ id: string; text: string }[]> {
    const storage = this.#ports.storage;
    const chain: { id: string; text: string }[] = [];
    let prev = row.prev;
    while (prev !== null && !inRange.has(prev) && !out.has(prev) && chain.length < out.room() - 1) {
      const [found] = await storage.getEnvelopes([prev]);
      const full = found === undefined || this.#isWithheld(found.id) ? undefined : found;
      if (full !== undefined) {
        if (`${full.app}/${full.domain}` === domain && full.seq <= afterSeq) break;
        chain.push({ id: full.id, text: stubTextOf(full.text) });
        prev = full.prev;
        continue;
      }
      const [stub] = await storage.getStubs([prev]);
      if (stub === undefined || this.#isWithheld(stub.id)) break; // not held here: the peer will ask whoever has it
      chain.push({ id: stub.id, text: stub.text });
      prev = stub.prev;
    }
    return chain.reverse();
  }

  /**
   * Accepts a package from the session's authenticated `peer` for a negotiated `domain`. Order of
   * checks (DESIGN D6): frame structure and signature, sender = peer, ids = carried envelopes,
   * domain, range against the cursor, then the envelopes atomically with the cursor.
   */
  async acceptPackage(peer: SessionPeer, negotiated: ReadonlySet<string>, pkg: unknown): Promise<Result<readonly IngestOutcome[]>> {
    const prepared = await this.preparePackage(peer, negotiated, pkg);
    return prepared.ok ? this.commitPackage(peer, prepared.value) : prepared;
  }

  /**
   * What can be checked of a package before this node's state (ADR 0027): its structure, the frame's
   * signature and sender, and its domain and range against the frame; it also starts checking each
   * envelope (parse, structure, signature, id). Reads nothing and writes nothing, so a session runs it
   * while the package before is still being ingested. An error here is the package's first.
   */
  async preparePackage(peer: SessionPeer, negotiated: ReadonlySet<string>, pkg: unknown): Promise<Result<PreparedPackage>> {
    if (!isJsonObject(pkg) || !Array.isArray((pkg as { envelopes?: unknown }).envelopes)) {
      return err(nodeError("ERR_STRUCT_INVALID_TYPE", "A package is a frame and its envelopes.", { reason: "expected_package" }));
    }
    const { frame, envelopes } = pkg as { frame: JsonValue; envelopes: unknown[] };
    const carried: CarriedEnvelope[] = [];
    for (const text of envelopes) {
      const parsed = carriedEnvelope(text);
      if (!parsed.ok) return parsed;
      carried.push(parsed.value);
    }
    const verified = await verifyPackageFrame(
      frame,
      carried.map((c) => c.id),
    );
    if (!verified.ok) return verified;
    const f = verified.value;
    // Transport references are never identity: the sender must be the peer its hello proved.
    if (f.sender_identity !== peer.identity || f.sender_key !== peer.key) {
      return err(
        nodeError("ERR_CRYPTO_AUTHOR_MISMATCH", "The package is not signed by this session's peer.", { reason: "sender_not_peer" }),
      );
    }
    const texts = envelopes as string[];
    const framed = checkFramed(f, carried, negotiated);
    // Envelopes are checked only for a package that may be ingested; a refused one costs no more.
    const validated = framed.ok ? this.#ports.graph.validateLinks(texts) : null;
    validated?.catch(() => undefined); // a package refused before its envelopes never awaits them
    return ok({ frame: f, texts, framed, validated });
  }

  /**
   * The rest of a prepared package's checks, in order (DESIGN D6): revocation beats ordering and
   * freshness, so it comes before the domain and the range; then the range against this node's
   * cursor; then its envelopes, atomically with the cursor. Packages commit one at a time, in order.
   */
  async commitPackage(peer: SessionPeer, prepared: PreparedPackage): Promise<Result<readonly IngestOutcome[]>> {
    const f = prepared.frame;
    if (await this.isKeyRevoked(f.sender_key)) {
      return err(nodeError("ERR_CRYPTO_KEY_REVOKED", "The package is signed by a revoked key.", { reason: "sender_key_revoked" }));
    }
    if (!prepared.framed.ok || prepared.validated === null) return prepared.framed as Result<never>;
    const cursor = await this.cursor(peer.identity, f.sync_domain);
    if (f.from_seq !== cursor + 1) {
      const reason = f.to_seq <= cursor ? "replayed" : f.from_seq <= cursor ? "overlapping" : "gap";
      return syncError("ERR_SYNC_SEQUENCE_INVALID", "The package does not start right after this node's cursor.", reason, {
        cursor,
        from_seq: f.from_seq,
      });
    }
    return this.#ports.graph.ingestPackage(
      prepared.texts,
      { peer: peer.identity, domain: f.sync_domain, seq: f.to_seq },
      SYNC_SOURCE,
      prepared.validated,
    );
  }

  /** Has this node recorded a revocation of `publicKey` (DESIGN §4 rule 5)? A session key has no cut. */
  async isKeyRevoked(publicKey: string): Promise<boolean> {
    const facts = await this.#ports.graph.aclFacts();
    return facts.revocations.some((r) => r.kind === "key" && r.target === publicKey);
  }

  /** Ids the pending set is waiting for (DESIGN §4 rule 2): what a session asks its peer for (`want`). */
  async missingDependencies(limit: number): Promise<EnvelopeId[]> {
    const storage = this.#ports.storage;
    const missing = new Set<string>();
    for (const row of await storage.listPending(limit)) for (const id of row.missing) missing.add(id);
    const out: EnvelopeId[] = [];
    for (const id of missing) {
      if (out.length >= limit) break;
      if ((await storage.getEnvelope(id)) === undefined && (await storage.getPending(id)) === undefined) out.push(id as EnvelopeId);
    }
    return out;
  }

  /**
   * The answer to a peer's `want` (DESIGN §3): of the ids asked for, each held here travels full when
   * it lies in one of `domains` (the domains this node syncs) and the peer may read it (sync_read),
   * else as its stub. Null when nothing asked for is held.
   */
  async exportWanted(peer: IdentityId, ids: readonly string[], domains: ReadonlySet<string>): Promise<Result<HavePackage | null>> {
    await this.#ports.integrity?.settled();
    const asked = ids.slice(0, MAX_FRAME_ENVELOPES).filter((id) => !this.#isWithheld(id));
    const [rows, stubs] = await Promise.all([this.#ports.storage.getEnvelopes(asked), this.#ports.storage.getStubs(asked)]);
    const full = rows.filter((row): row is EnvelopeRow => row !== undefined);
    const decisions = await this.#ports.graph.syncReadRows(peer, full);
    const readable = new Set(full.filter((row, i) => decisions[i]!.allow && domains.has(`${row.app}/${row.domain}`)).map((r) => r.id));
    const out = new PackageBuilder(MAX_FRAME_ENVELOPES);
    asked.forEach((id, i) => {
      const row = rows[i];
      if (row !== undefined) out.add(row.id, readable.has(row.id) ? row.text : stubTextOf(row.text));
      else if (stubs[i] !== undefined) out.add(id, stubs[i].text);
    });
    return ok(out.ids.length === 0 ? null : { envelope_ids: out.ids, envelopes: out.texts });
  }

  /** Stub ids held here after `afterId`, for asking peers again once this node may read more. */
  stubIds(afterId: string, limit: number): Promise<string[]> {
    return this.#ports.storage.stubIds(afterId, limit);
  }

  /**
   * Accepts a `have`: every envelope must be one this side asked for (`wanted`) and be the envelope
   * its id names, or nothing is ingested. Envelopes are then ingested one by one, as any relayed
   * envelope: no cursor moves, since they travel outside the peer's sequence ranges.
   */
  async acceptWanted(peer: SessionPeer, wanted: ReadonlySet<string>, have: unknown): Promise<Result<readonly Result<IngestOutcome>[]>> {
    if (!isJsonObject(have) || !Array.isArray(have["envelope_ids"]) || !Array.isArray(have["envelopes"])) {
      return err(nodeError("ERR_STRUCT_INVALID_TYPE", "A have carries ids and envelopes.", { reason: "expected_have" }));
    }
    const ids = have["envelope_ids"] as unknown[];
    const texts = have["envelopes"] as unknown[];
    if (await this.isKeyRevoked(peer.key)) {
      return err(nodeError("ERR_CRYPTO_KEY_REVOKED", "The peer's key is revoked.", { reason: "sender_key_revoked" }));
    }
    if (ids.length !== texts.length) return syncError("ERR_SYNC_RANGE_MISMATCH", "Ids and envelopes differ in number.", "ids_mismatch");
    for (const [i, text] of texts.entries()) {
      const carried = carriedEnvelope(text);
      if (!carried.ok) return carried;
      if (carried.value.id !== ids[i])
        return syncError("ERR_SYNC_RANGE_MISMATCH", "An envelope is not the one its id names.", "ids_mismatch");
      if (!wanted.has(carried.value.id))
        return syncError("ERR_SYNC_RANGE_MISMATCH", "The peer sent an envelope nobody asked for.", "not_wanted");
    }
    return ok(await this.#ports.graph.ingestMany(texts as string[], SYNC_SOURCE));
  }
}

/** A package checked as far as it can be without this node's state (StateManager.preparePackage). */
export type PreparedPackage = {
  readonly frame: PackageFrame;
  readonly texts: readonly string[];
  /** The domain and range checks against the frame: reported after the revocation check. */
  readonly framed: Result<void>;
  /** Each envelope's checks, started when `framed` passed; null otherwise. */
  readonly validated: Promise<Result<VerifiedLink>[]> | null;
};

/** The domain was negotiated, the range holds the full envelopes, and each lies in the domain. */
function checkFramed(f: PackageFrame, carried: readonly CarriedEnvelope[], negotiated: ReadonlySet<string>): Result<void> {
  if (!negotiated.has(f.sync_domain))
    return syncError("ERR_SYNC_DOMAIN_VIOLATION", "The domain was not negotiated for this session.", "domain_not_negotiated");
  const [app, name] = splitDomain(f.sync_domain);
  // The range holds the full envelopes; connecting stubs may lie outside it (DESIGN §3).
  if (carried.filter((c) => c.full).length > f.to_seq - f.from_seq + 1)
    return syncError("ERR_SYNC_RANGE_MISMATCH", "The package carries more envelopes than its range holds.", "more_ids_than_range");
  for (const c of carried) {
    // A stub shows no app or domain; it only holds a chain place.
    if (c.full && (c.app !== app || c.domain !== name))
      return syncError("ERR_SYNC_DOMAIN_VIOLATION", "An envelope lies outside the package's domain.", "envelope_outside_domain");
  }
  return ok(undefined);
}

/** The `have` a session sends back for a `want`. */
export type HavePackage = { readonly envelope_ids: readonly EnvelopeId[]; readonly envelopes: readonly string[] };

const NOTHING = { has: () => false };

/**
 * The envelope texts one package carries at most (characters), unless a single one is larger: with
 * JSON's escapes and the ids, a package frame stays below DEFAULT_MAX_FRAME_BYTES (1 MiB).
 */
const MAX_PACKAGE_TEXT_BYTES = 512 * 1024;

/** Rows read per page while counting. */
const COUNT_PAGE = 1_000;

function splitDomain(domain: string): [string, string] {
  const slash = domain.indexOf("/");
  return [domain.slice(0, slash), domain.slice(slash + 1)];
}

type CarriedEnvelope = { readonly id: EnvelopeId; readonly full: boolean; readonly app: unknown; readonly domain: unknown };

/** The id a carried envelope or stub text claims (over its link), and its app and domain: parsed once, no crypto yet. */
function carriedEnvelope(text: unknown): Result<CarriedEnvelope> {
  if (typeof text !== "string")
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", "Envelopes travel as text.", { reason: "expected_string" }));
  const parsed = parseWireJson(text, { maxBytes: DEFAULT_ENVELOPE_LIMITS.maxEnvelopeBytes, maxDepth: DEFAULT_ENVELOPE_LIMITS.maxDepth });
  if (!parsed.ok) return parsed;
  if (!isJsonObject(parsed.value))
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", "An envelope is an object.", { reason: "expected_object" }));
  const { signature: _signature, content, ...link } = parsed.value;
  const body = isJsonObject(content ?? null) ? (content as Record<string, unknown>) : {};
  return ok({ id: digestId(link) as EnvelopeId, full: content !== undefined, app: body["app"], domain: body["domain"] });
}

/** A package's or have's contents, each id once, in order, up to the frame's bound. */
class PackageBuilder {
  readonly ids: EnvelopeId[] = [];
  readonly texts: string[] = [];
  /** The texts' length so far, in UTF-16 units (about their bytes; a frame escapes some). */
  bytes = 0;
  readonly #seen = new Set<string>();
  constructor(readonly max: number) {}

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  room(): number {
    return this.max - this.ids.length;
  }

  add(id: string, text: string): void {
    if (this.#seen.has(id) || this.ids.length >= this.max) return;
    this.#seen.add(id);
    this.ids.push(id as EnvelopeId);
    this.texts.push(text);
    this.bytes += text.length;
  }
}
