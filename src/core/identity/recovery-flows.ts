// Making a recovery file and restoring from one (DESIGN D10, ADR 0021). Export binds a fresh
// recovery key (allowed to bind and revoke device keys), revokes the identity's earlier ones, seals
// the new key under the passphrase and signs the history. Restore checks everything before it
// writes anything, then takes the history and binds a new device key with the recovery key.
import { generateRecoveryKey, checkPassphrase, openRecoveryKey, type KdfParameters, type KeyManager } from "../key/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { fromBase64url } from "../shared/bytes.ts";
import { nodeError } from "../shared/errors.ts";
import { creatorOf, publicKeyText, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { Author, IngestOutcome, WriteRequest } from "../graph/index.ts";
import type { EnvelopeRow, IdentityRow, ObjectRow } from "../storage/index.ts";
import { PROTOCOL_VERSION, SYSTEM_APP } from "../wire/index.ts";
import {
  buildRecoveryFileText,
  historyDigest,
  parseRecoveryFile,
  RECOVERY_FORMAT,
  RECOVERY_FORMAT_VERSION,
  RECOVERY_NOTICE,
  sealingContext,
  type RecoveryEntry,
} from "./recovery-file.ts";

export const DEVICE_KEY_TYPE = "system.device_key";
/** A recovery key writes only in app `system` (its binding delegates it there): binding and revoking. */
export const RECOVERY_ROLE = "recovery";
const INGEST_CHUNK = 500;
const HISTORY_PAGE = 1000;

/** What the flows need of the node, wired in node.ts (STYLE principle 2). */
export type RecoveryPorts = {
  readonly keys: KeyManager;
  readonly clock: Clock;
  readonly nodeName: string;
  /** Defaults to RECOVERY_KDF. */
  readonly kdf?: KdfParameters;
  authorFor(identityId: IdentityId): Promise<Result<Author>>;
  submit(author: Author, request: WriteRequest): Promise<Result<{ readonly envelopeId: EnvelopeId; readonly seq: number }>>;
  ingestMany(texts: readonly string[]): Promise<Result<IngestOutcome>[]>;
  getIdentity(identityId: string): Promise<IdentityRow | undefined>;
  identityName(identityId: IdentityId): Promise<string | null>;
  /** Bindings of a key (not withdrawn), from the graph. */
  bindingsOf(publicKey: string): Promise<readonly ObjectRow[]>;
  /** Every binding attribute of the system app: to find an identity's recovery keys. */
  allBindings(): Promise<readonly ObjectRow[]>;
  isKeyRevoked(publicKey: string): Promise<boolean>;
  lastOfKey(publicKey: string): Promise<EnvelopeRow | undefined>;
  history(afterSeq: number, limit: number): Promise<readonly EnvelopeRow[]>;
  globalSeq(): number;
  stateDigest(): Promise<string>;
  /** Identities this node holds a key of (root or device). */
  heldIdentities(): Promise<Result<ReadonlySet<string>>>;
};

export type RecoveryExport = {
  readonly text: string;
  readonly fileName: string;
  readonly recoveryKey: string;
  readonly envelopes: number;
  readonly revoked: readonly string[];
};

export type RestoreResult = {
  readonly identityId: IdentityId;
  readonly keyId: string;
  readonly bindingEnvelopeId: EnvelopeId;
  readonly imported: { readonly accepted: number; readonly duplicate: number; readonly other: number; readonly rejected: number };
};

function bindingValue(row: ObjectRow): Record<string, unknown> {
  return isJsonObject(row.winner.value) ? row.winner.value : {};
}

export function isRecoveryBinding(row: ObjectRow): boolean {
  return bindingValue(row)["role"] === RECOVERY_ROLE;
}

export function createRecoveryFlows(ports: RecoveryPorts) {
  /** The identity's recovery keys still in force, other than `except`. */
  async function liveRecoveryKeys(identityId: IdentityId, except: string): Promise<string[]> {
    const keys: string[] = [];
    for (const row of await ports.allBindings()) {
      const key = bindingValue(row)["public_key"];
      if (row.owner !== identityId || row.suppressed !== 0 || !isRecoveryBinding(row) || typeof key !== "string" || key === except)
        continue;
      if (!(await ports.isKeyRevoked(key)) && !keys.includes(key)) keys.push(key);
    }
    return keys;
  }

  /** DESIGN §4 rule 5: each earlier recovery key keeps what it signed here (a restore's binding), nothing later. */
  async function revokeEarlier(author: Author, keys: readonly string[]): Promise<Result<void>> {
    if (keys.length === 0) return ok(undefined);
    const ops = [];
    for (const key of keys) {
      const lastSeq = (await ports.lastOfKey(key))?.keySeq ?? 0;
      ops.push({
        op: "parent_create" as const,
        type_key: "system.revocation",
        payload: { value: { kind: "key", target: key, cuts: [{ key, last_seq: lastSeq }] } },
      });
    }
    const written = await ports.submit(author, { app: SYSTEM_APP, domain: "revocations", ops });
    return written.ok ? ok(undefined) : written;
  }

  async function historyEntries(): Promise<RecoveryEntry[]> {
    const entries: RecoveryEntry[] = [];
    for (let after = 0; ;) {
      const rows = await ports.history(after, HISTORY_PAGE);
      for (const row of rows) entries.push({ seq: row.seq, id: row.id, status: row.status, text: row.text });
      if (rows.length < HISTORY_PAGE) return entries;
      after = rows.at(-1)!.seq;
    }
  }

  return {
    async exportFile(identityId: IdentityId, passphrase: unknown): Promise<Result<RecoveryExport>> {
      // Checked before anything is written: a refused passphrase binds no key.
      const checked = checkPassphrase(passphrase);
      if (!checked.ok) return checked;
      const identity = await ports.getIdentity(identityId);
      if (identity === undefined)
        return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "This node holds no such identity.", { reason: "unknown_identity" }));
      const author = await ports.authorFor(identityId);
      if (!author.ok) return author;
      const recovery = await generateRecoveryKey(ports.kdf);
      const recoveryKey = publicKeyText(recovery.publicKey);
      const earlier = await liveRecoveryKeys(identityId, recoveryKey);
      const binding = {
        public_key: recoveryKey,
        created_at: isoTime(ports.clock),
        label: "Recovery file",
        role: RECOVERY_ROLE,
        apps: [SYSTEM_APP],
      };
      const bound = await ports.submit(author.value, {
        app: SYSTEM_APP,
        domain: "identity",
        ops: [{ op: "attr_create", type_key: DEVICE_KEY_TYPE, payload: { parent_id: `${identity.genesisId}:0`, value: binding } }],
      });
      if (!bound.ok) return bound;
      const revoked = await revokeEarlier(author.value, earlier);
      if (!revoked.ok) return revoked;
      const sealed = await recovery.seal(checked.value, sealingContext(identityId, recoveryKey));
      if (!sealed.ok) return sealed;
      const entries = await historyEntries();
      const exportedAt = isoTime(ports.clock);
      const header = {
        format: RECOVERY_FORMAT,
        formatVersion: RECOVERY_FORMAT_VERSION,
        exportedAt,
        protocolVersion: PROTOCOL_VERSION,
        nodeName: ports.nodeName,
        identity: { identityId, name: await ports.identityName(identityId), rootKey: identity.rootKey as ReturnType<typeof publicKeyText> },
        recoveryKey,
        sealedKey: sealed.value,
        globalSeq: ports.globalSeq(),
        stateDigest: await ports.stateDigest(),
        envelopeCount: entries.length,
        historyDigest: historyDigest(entries),
        privateKeysIncluded: "recovery_key_sealed",
        notice: RECOVERY_NOTICE,
      } as const;
      const text = await buildRecoveryFileText(header, entries, recovery.signer);
      return ok({
        text,
        fileName: `2way-recovery-${exportedAt.slice(0, 10)}.json`,
        recoveryKey,
        envelopes: entries.length,
        revoked: earlier,
      });
    },

    async restore(bytes: Uint8Array, passphrase: string, options: { readonly label?: string } = {}): Promise<Result<RestoreResult>> {
      const file = await parseRecoveryFile(bytes);
      if (!file.ok) return file;
      const { header, entries } = file.value;
      const identityId = header.identity.identityId;
      const held = await ports.heldIdentities();
      if (!held.ok) return held;
      if (held.value.has(identityId))
        return err(
          nodeError("ERR_RECOVERY_IDENTITY_CONFLICT", "This browser already holds this identity: there is nothing to restore.", {
            reason: "already_here",
          }),
        );
      if (held.value.size > 0)
        return err(
          nodeError(
            "ERR_RECOVERY_IDENTITY_CONFLICT",
            "This browser already holds another identity; this file belongs to a different one.",
            {
              reason: "another_identity",
            },
          ),
        );
      const opened = await openRecoveryKey(
        header.sealedKey,
        passphrase,
        sealingContext(identityId, header.recoveryKey),
        fromBase64url(header.recoveryKey)!,
      );
      if (!opened.ok) return opened;
      // Everything is checked: from here on the node writes (the history first: the binding cites it).
      const imported = { accepted: 0, duplicate: 0, other: 0, rejected: 0 };
      for (let i = 0; i < entries.length; i += INGEST_CHUNK) {
        for (const outcome of await ports.ingestMany(entries.slice(i, i + INGEST_CHUNK).map((e) => e.text))) {
          if (!outcome.ok) imported.rejected += 1;
          else if (outcome.value.status === "accepted") imported.accepted += 1;
          else if (outcome.value.status === "duplicate") imported.duplicate += 1;
          else imported.other += 1;
        }
      }
      const binding = (await ports.bindingsOf(header.recoveryKey)).find((row) => row.owner === identityId && isRecoveryBinding(row));
      const identity = await ports.getIdentity(identityId);
      if (binding === undefined || identity === undefined)
        return err(
          nodeError("ERR_RECOVERY_FILE_INVALID", "The file's history does not bind its recovery key to the identity.", {
            reason: "recovery_key_not_bound",
          }),
        );
      const device = await ports.keys.adoptDeviceKey(identityId, options.label === undefined ? {} : { label: options.label });
      if (!device.ok) return device;
      const author: Author = { identityId, signer: opened.value.signer, bindingEnvelopeId: creatorOf(binding.id) };
      const value = {
        public_key: device.value.publicKey,
        created_at: isoTime(ports.clock),
        ...(options.label === undefined ? {} : { label: options.label }),
      };
      const bound = await ports.submit(author, {
        app: SYSTEM_APP,
        domain: "identity",
        ops: [{ op: "attr_create", type_key: DEVICE_KEY_TYPE, payload: { parent_id: `${identity.genesisId}:0`, value } }],
      });
      if (!bound.ok) {
        await ports.keys.removeDeviceKey(device.value.keyId);
        return bound;
      }
      return ok({ identityId, keyId: device.value.keyId, bindingEnvelopeId: bound.value.envelopeId, imported });
    },
  };
}

export type RecoveryFlows = ReturnType<typeof createRecoveryFlows>;
