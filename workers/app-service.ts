// The app lifecycle on the node port (AC-12): inspect a package, trust its publisher, install,
// upgrade, enable, disable, uninstall, open. Arguments are checked by src/rpc/node-api-requests.ts;
// the node decides everything else. Installed packages are kept in the worker's package store for
// their title and, when opened, their frontend.
import {
  err,
  nodeError,
  ok,
  openPackage,
  type AppInfo,
  type IdentityId,
  type PackageDatabase,
  type Result,
  type TwoWayNode,
} from "../src/core/index.ts";
import type { AppSummary, OpenedApp, PackagePreviewSummary, TrustedPublisherSummary } from "../src/rpc/node-api.ts";
import { parseAppRequest, parseOpenApp, parsePackageRequest, parsePublisherRequest } from "../src/rpc/node-api-requests.ts";
import { bindAppPort, type BoundAppPort } from "./app-port.ts";
import { ensureOwnerOnly } from "./app-read-rules.ts";
import { BUILT_IN_SLUGS } from "./built-in-apps.ts";

export type AppService = {
  readonly listApps: (...args: unknown[]) => Promise<Result<readonly AppSummary[]>>;
  readonly inspectPackage: (...args: unknown[]) => Promise<Result<PackagePreviewSummary>>;
  readonly trustPublisher: (...args: unknown[]) => Promise<Result<PackagePreviewSummary>>;
  readonly listTrustedPublishers: (...args: unknown[]) => Promise<Result<readonly TrustedPublisherSummary[]>>;
  readonly distrustPublisher: (...args: unknown[]) => Promise<Result<{ readonly disabled: readonly string[] }>>;
  readonly installApp: (...args: unknown[]) => Promise<Result<AppSummary>>;
  readonly upgradeApp: (...args: unknown[]) => Promise<Result<AppSummary>>;
  readonly enableApp: (...args: unknown[]) => Promise<Result<AppSummary>>;
  readonly disableApp: (...args: unknown[]) => Promise<Result<AppSummary>>;
  readonly uninstallApp: (...args: unknown[]) => Promise<Result<AppSummary>>;
  readonly openApp: (...args: unknown[]) => Promise<Result<OpenedApp>>;
};

export function createAppService(
  node: TwoWayNode,
  store: PackageDatabase,
): AppService & {
  readonly summaries: () => Promise<AppSummary[]>;
  readonly closeAppPorts: () => void;
  readonly stateReadDefaults: (identityId: IdentityId) => Promise<Result<void>>;
} {
  /** Open app ports by slug: closed when their app is disabled or removed, and at shutdown. */
  const ports = new Map<string, BoundAppPort[]>();

  async function summaryOf(app: AppInfo): Promise<AppSummary> {
    if (app.slug === "system")
      return {
        slug: app.slug,
        title: "System",
        version: app.version,
        state: app.state,
        origin: "system",
        description: "Identities, keys and app schemas. Every node runs the same rules.",
      };
    const stored = await store.get(app.slug);
    return {
      slug: app.slug,
      title: stored?.title ?? app.slug,
      version: app.version,
      state: app.state,
      origin: BUILT_IN_SLUGS.has(app.slug) ? "built_in" : "installed",
      description: stored?.description ?? "",
    };
  }

  async function summaries(): Promise<AppSummary[]> {
    return Promise.all((await node.apps.list()).map(summaryOf));
  }

  async function shellIdentity(requested: string | undefined): Promise<Result<IdentityId>> {
    if (requested !== undefined) return ok(requested as IdentityId);
    const keys = await node.identities.list();
    if (!keys.ok) return keys;
    const first = keys.value.find((key) => key.scope === "identity" && key.identityId !== null);
    return first === undefined
      ? err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "Create an identity first.", { reason: "no_identity" }))
      : ok(first.identityId!);
  }

  /** After a committed install or upgrade: keep the package so the app can be opened and named. */
  async function keep(zip: Uint8Array, signature: string, installed: Result<AppInfo>): Promise<Result<AppSummary>> {
    if (!installed.ok) return installed;
    const preview = await node.apps.inspect(zip, signature);
    if (!preview.ok) return preview;
    const { manifest, digest } = preview.value;
    await store.put({
      slug: manifest.slug,
      version: manifest.version,
      title: manifest.title,
      description: manifest.description,
      digest,
      zip,
      signature,
    });
    return ok(await summaryOf(installed.value));
  }

  async function transition(args: unknown[], action: "enable" | "disable" | "remove"): Promise<Result<AppSummary>> {
    const request = parseAppRequest(args);
    if (!request.ok) return request;
    const changed = await node.apps[action](request.value.slug);
    if (!changed.ok) return changed;
    if (action !== "enable") closePorts(request.value.slug);
    return ok(await summaryOf(changed.value));
  }

  function closePorts(slug: string): void {
    for (const bound of ports.get(slug)?.splice(0) ?? []) bound.close();
  }

  /** The stored package's frontend, reopened (signature checked again) and matched to the install record. */
  async function frontendOf(app: AppInfo): Promise<Result<{ files: Record<string, Uint8Array>; ownerOnly: string[] }>> {
    const stored = await store.get(app.slug);
    const opened = stored === undefined ? undefined : await openPackage(stored.zip, stored.signature);
    if (opened === undefined || !opened.ok || `${opened.value.schemaEnvelopeId}:0` !== app.schemaObjectId)
      return err(
        nodeError("ERR_MNG_APP_LOAD_REJECTED", `The package of ${app.slug} is not on this device.`, {
          reason: "package_missing",
          slug: app.slug,
        }),
      );
    const ownerOnly = Object.entries(opened.value.acl.read)
      .filter(([, rule]) => rule === "owner")
      .map(([typeKey]) => typeKey);
    return ok({ files: Object.fromEntries(opened.value.frontend), ownerOnly });
  }

  return {
    summaries,
    /**
     * ADR 0023 (amended): a new identity states every installed app's owner-only types at once, so
     * nothing it writes by any path (the shell's submit, a session) is ever readable by others first.
     */
    async stateReadDefaults(identityId) {
      for (const app of await node.apps.list()) {
        if (app.slug === "system" || app.state === "removed") continue;
        const frontend = await frontendOf(app);
        if (!frontend.ok) return frontend;
        const stated = await ensureOwnerOnly(node, identityId, app.slug, frontend.value.ownerOnly);
        if (!stated.ok) return stated;
      }
      return ok(undefined);
    },
    closeAppPorts() {
      for (const list of ports.values()) for (const bound of list.splice(0)) bound.close();
    },
    async listApps(...args) {
      if (args.length > 0)
        return err(nodeError("ERR_STRUCT_INVALID_TYPE", "This method takes no arguments.", { reason: "too_many_arguments" }));
      return ok(await summaries());
    },
    async inspectPackage(...args) {
      const request = parsePackageRequest(args);
      if (!request.ok) return request;
      const preview = await node.apps.inspect(request.value.zip, request.value.signature);
      return preview.ok ? ok(previewSummary(preview.value)) : preview;
    },
    async trustPublisher(...args) {
      const request = parsePackageRequest(args);
      if (!request.ok) return request;
      const identity = await shellIdentity(request.value.identityId);
      if (!identity.ok) return identity;
      const preview = await node.apps.trustPublisher(identity.value, request.value.zip, request.value.signature);
      return preview.ok ? ok(previewSummary(preview.value)) : preview;
    },
    async listTrustedPublishers(...args) {
      if (args.length > 0)
        return err(nodeError("ERR_STRUCT_INVALID_TYPE", "This method takes no arguments.", { reason: "too_many_arguments" }));
      return ok(await node.apps.trustedPublishers());
    },
    async distrustPublisher(...args) {
      const request = parsePublisherRequest(args);
      if (!request.ok) return request;
      const ended = await node.apps.distrustPublisher(request.value.publisherId);
      if (ended.ok) for (const slug of ended.value.disabled) closePorts(slug);
      return ended;
    },
    async installApp(...args) {
      const request = parsePackageRequest(args);
      if (!request.ok) return request;
      const { zip, signature } = request.value;
      return keep(zip, signature, await node.apps.installPackage(zip, signature));
    },
    async upgradeApp(...args) {
      const request = parsePackageRequest(args);
      if (!request.ok) return request;
      const { zip, signature } = request.value;
      return keep(zip, signature, await node.apps.upgradePackage(zip, signature));
    },
    enableApp: (...args) => transition(args, "enable"),
    disableApp: (...args) => transition(args, "disable"),
    uninstallApp: (...args) => transition(args, "remove"),
    async openApp(...args) {
      const request = parseOpenApp(args);
      if (!request.ok) return request;
      const { slug, port } = request.value;
      const found = (await node.apps.list()).find((app) => app.slug === slug);
      if (found === undefined || found.state === "removed" || found.slug === "system")
        return err(nodeError("app_not_found", `No app ${slug} is installed.`, { slug }));
      // public design 08: open is allowed only while enabled, and changes nothing.
      if (found.state !== "installed_enabled")
        return err(
          nodeError("ERR_SVC_APP_DISABLED", `${slug} is disabled.`, {
            reason: "app_not_enabled",
            service_class: "app",
            service_slug: slug,
            service_state: "disabled",
            retryable: false,
          }),
        );
      const frontend = await frontendOf(found);
      if (!frontend.ok) return frontend;
      if (port !== undefined) {
        // The binding comes from the install record and the shell's identity, never from the app.
        const identity = await shellIdentity(undefined);
        if (!identity.ok) return identity;
        // Before the app can write one object: its owner-only types are so for this identity too.
        const stated = await ensureOwnerOnly(node, identity.value, slug, frontend.value.ownerOnly);
        if (!stated.ok) return stated;
        const bound = bindAppPort(node, port, { identityId: identity.value, app: slug, version: found.version });
        ports.set(slug, [...(ports.get(slug) ?? []), bound]);
      }
      return ok({ app: await summaryOf(found), frontend: frontend.value.files });
    },
  };
}

type Preview = Extract<Awaited<ReturnType<TwoWayNode["apps"]["inspect"]>>, { ok: true }>["value"];

function previewSummary(preview: Preview): PackagePreviewSummary {
  return {
    slug: preview.manifest.slug,
    version: preview.manifest.version,
    title: preview.manifest.title,
    description: preview.manifest.description,
    capabilities: [...preview.manifest.capabilities],
    readDefaults: { ...preview.acl.read },
    digest: preview.digest,
    publisher: { ...preview.publisher },
    trust: preview.trust,
    installedVersion: preview.installed?.version ?? null,
  };
}
