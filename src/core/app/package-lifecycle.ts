// The signed-package side of the app lifecycle (AC-12): inspect a package for the person, record
// their trust in its publisher, install and upgrade it. Each call reopens the package from its
// bytes, so nothing unverified is ever carried between calls. Trust is a pinned digest (built-ins,
// ADR 0015) or a live system.apps.publish grant from one of this node's own identities.
import type { AclFacts } from "../acl/index.ts";
import type { Ed25519Verifier } from "../crypto/index.ts";
import type { IngestOutcome, IngestSource } from "../graph/index.ts";
import { sha256 } from "../crypto/index.ts";
import { fromBase64url, toHex } from "../shared/bytes.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { objectId, type IdentityId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { nodeError } from "../shared/errors.ts";
import type { Op } from "../wire/index.ts";
import type { AclDefaults, AppManifest } from "./package/index.ts";
import { openPackage, type VerifiedPackage } from "./package/index.ts";
import type { AppInfo, AppManager, PackageTrust } from "./app-manager.ts";
import { isTrustedPublisher, trustOps } from "./publisher-trust.ts";
import { hasReadRule, ownerOnlyOps, ownerOnlyTypes } from "./read-defaults.ts";

/** What the shell shows before the person decides: who publishes it, what it is, what it asks for. */
export type PackagePreview = {
  readonly manifest: AppManifest;
  readonly acl: AclDefaults;
  readonly digest: string;
  readonly publisher: { readonly identityId: string; readonly name: string; readonly publicKey: string; readonly fingerprint: string };
  readonly trust: PackageTrust;
  /** The installed row of this slug, if any (so the shell can offer install or upgrade). */
  readonly installed: AppInfo | null;
};

export type PackageLifecyclePorts = {
  readonly apps: AppManager;
  readonly verifier: Ed25519Verifier;
  readonly clock: Clock;
  /** SHA-256 hex digests of packages this build trusts by itself (the built-ins). */
  readonly pinnedDigests: ReadonlySet<string>;
  aclFacts(): Promise<AclFacts>;
  /** This node's own identities: only their grants make this node trust a publisher. */
  localIdentities(): Promise<ReadonlySet<string>>;
  ingest(text: string): Promise<Result<IngestOutcome>>;
  submitAs(
    identityId: IdentityId,
    request: { app: string; domain: string; ops: readonly Omit<Op, "owner_identity">[] },
  ): Promise<Result<unknown>>;
};

export type PackageLifecycle = {
  inspect(zip: Uint8Array, signature: string): Promise<Result<PackagePreview>>;
  trustPublisher(identityId: IdentityId, zip: Uint8Array, signature: string): Promise<Result<PackagePreview>>;
  install(zip: Uint8Array, signature: string): Promise<Result<AppInfo>>;
  upgrade(zip: Uint8Array, signature: string): Promise<Result<AppInfo>>;
};

const SOURCE: IngestSource = { kind: "remote", actor: null };

export function createPackageLifecycle(ports: PackageLifecyclePorts): PackageLifecycle {
  const open = (zip: Uint8Array, signature: string) => openPackage(zip, signature, { verifier: ports.verifier });

  async function trustOf(pkg: VerifiedPackage): Promise<PackageTrust> {
    if (ports.pinnedDigests.has(pkg.digest)) return "pinned";
    const granted = isTrustedPublisher(
      await ports.aclFacts(),
      await ports.localIdentities(),
      pkg.publisher.identityId,
      isoTime(ports.clock),
    );
    return granted ? "granted" : "none";
  }

  /** acl.json's "owner" types become each local identity's read rule before the app runs once. */
  async function enforceReadDefaults(pkg: VerifiedPackage): Promise<Result<void>> {
    const app = pkg.manifest.slug;
    const facts = await ports.aclFacts();
    for (const identity of await ports.localIdentities())
      for (const typeKey of ownerOnlyTypes(pkg.acl)) {
        if (hasReadRule(facts, identity, app, typeKey)) continue;
        const written = await ports.submitAs(identity as IdentityId, {
          app: "system",
          domain: "acl",
          ops: ownerOnlyOps(identity, app, typeKey),
        });
        if (!written.ok) return written;
      }
    return ok(undefined);
  }

  /** Registers through `register`, then states the package's read defaults (the same on a retry). */
  async function registered(pkg: VerifiedPackage, register: Promise<Result<AppInfo>>): Promise<Result<AppInfo>> {
    const installed = await register;
    if (!installed.ok) return installed;
    const enforced = await enforceReadDefaults(pkg);
    return enforced.ok ? installed : enforced;
  }

  async function preview(pkg: VerifiedPackage): Promise<PackagePreview> {
    const installed = await ports.apps.get(pkg.manifest.slug);
    return {
      manifest: pkg.manifest,
      acl: pkg.acl,
      digest: pkg.digest,
      publisher: { ...pkg.publisher, fingerprint: fingerprint(pkg.publisher.publicKey) },
      trust: await trustOf(pkg),
      installed: installed.ok && installed.value.state !== "removed" ? installed.value : null,
    };
  }

  return {
    async inspect(zip, signature) {
      const pkg = await open(zip, signature);
      return pkg.ok ? ok(await preview(pkg.value)) : pkg;
    },
    async trustPublisher(identityId, zip, signature) {
      const pkg = await open(zip, signature);
      if (!pkg.ok) return pkg;
      if (!(await ports.localIdentities()).has(identityId))
        return err(
          nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "Only an identity of this node can trust a publisher.", {
            reason: "not_local_identity",
          }),
        );
      if ((await trustOf(pkg.value)) !== "none") return ok(await preview(pkg.value));
      // The grant names the publisher's identity object, so its genesis must be here first.
      const genesis = await ports.ingest(pkg.value.envelopes[0]!);
      if (!genesis.ok) return genesis;
      const written = await ports.submitAs(identityId, {
        app: "system",
        domain: "capabilities",
        ops: trustOps(objectId(genesis.value.id, 0)),
      });
      if (!written.ok) return written;
      return ok(await preview(pkg.value));
    },
    async install(zip, signature) {
      const pkg = await open(zip, signature);
      if (!pkg.ok) return pkg;
      return registered(pkg.value, ports.apps.installVerified(pkg.value, await trustOf(pkg.value), SOURCE));
    },
    async upgrade(zip, signature) {
      const pkg = await open(zip, signature);
      if (!pkg.ok) return pkg;
      return registered(pkg.value, ports.apps.upgrade(pkg.value, await trustOf(pkg.value), SOURCE));
    },
  };
}

/** A short, readable key fingerprint for people to compare: SHA-256 of the key, 16 hex in groups of 4. */
function fingerprint(publicKey: string): string {
  const hex = toHex(sha256(fromBase64url(publicKey) ?? new Uint8Array())).slice(0, 16);
  return hex.match(/.{4}/g)!.join(" ");
}
