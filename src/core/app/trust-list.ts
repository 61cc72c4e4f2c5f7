// The publishers this node trusts by a person's grant, and ending that trust (AC-12): the issuer
// revokes its grant in the graph (signed, synced to the person's other devices), and the
// publisher's enabled apps are turned off — their data kept, like any disabled app — so nothing
// from a publisher the person stopped trusting keeps running. Pinned built-ins are not listed:
// the release trusts them by digest, not by a person's grant.
import { isoTime } from "../shared/clock.ts";
import type { IdentityId } from "../shared/ids.ts";
import { nodeError } from "../shared/errors.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { PackageLifecyclePorts } from "./package-lifecycle.ts";
import { distrustOps, liveTrustGrants } from "./publisher-trust.ts";

export type TrustedPublisher = {
  readonly publisherId: string;
  readonly name: string | null;
  /** Installed (not removed) apps whose schema this publisher signed. */
  readonly apps: readonly string[];
};

export type TrustListPorts = PackageLifecyclePorts & {
  /** The name an identity gave itself in its genesis, if it is here. */
  identityName(identityId: string): Promise<string | null>;
};

export type TrustList = {
  trustedPublishers(): Promise<readonly TrustedPublisher[]>;
  /** Revokes every local grant to the publisher and disables its enabled apps; returns their slugs. */
  distrustPublisher(publisherId: string): Promise<Result<{ readonly disabled: readonly string[] }>>;
};

export function createTrustList(ports: TrustListPorts): TrustList {
  async function grants() {
    return liveTrustGrants(await ports.aclFacts(), await ports.localIdentities(), isoTime(ports.clock));
  }

  async function appsOf(publisherId: string): Promise<{ slug: string; enabled: boolean }[]> {
    const out = [];
    for (const app of await ports.apps.list()) {
      if (app.state === "removed" || app.slug === "system") continue;
      if ((await ports.apps.publisherOf(app.slug)) === publisherId)
        out.push({ slug: app.slug, enabled: app.state === "installed_enabled" });
    }
    return out;
  }

  return {
    async trustedPublishers() {
      const ids = [...new Set((await grants()).map((g) => g.holder))].sort();
      return Promise.all(
        ids.map(async (publisherId) => ({
          publisherId,
          name: await ports.identityName(publisherId),
          apps: (await appsOf(publisherId)).map((a) => a.slug),
        })),
      );
    },
    async distrustPublisher(publisherId) {
      const held = (await grants()).filter((g) => g.holder === publisherId);
      if (held.length === 0) return err(nodeError("object_invalid", "This node does not trust that publisher.", { reason: "not_trusted" }));
      for (const grant of held) {
        const written = await ports.submitAs(grant.issuer as IdentityId, {
          app: "system",
          domain: "revocations",
          ops: distrustOps(grant.id),
        });
        if (!written.ok) return written;
      }
      const disabled: string[] = [];
      for (const app of await appsOf(publisherId)) {
        if (!app.enabled) continue;
        const turnedOff = await ports.apps.transition(app.slug, "disable");
        if (!turnedOff.ok) return turnedOff;
        disabled.push(app.slug);
      }
      return ok({ disabled });
    },
  };
}
