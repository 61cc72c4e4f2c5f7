// The app registry (public design 08): slug ↔ local id, the lifecycle matrix, and the compiled
// schema of each installed app. The registry row is node-local and never synced (DESIGN D8); the
// schema itself is a graph object authored by the publisher, so every node compiles the same bytes.
import type { IngestOutcome, IngestSource } from "../graph/index.ts";
import { compileSchema, type CompiledSchema } from "../schema/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { AppRow, AppState, NodeStorage } from "../storage/index.ts";
import { isAppName, SYSTEM_APP } from "../wire/index.ts";
import { compareVersions, type VerifiedPackage } from "./package/index.ts";

/**
 * Envelopes to install *without* any signature or trust check: the kernel's door for tests and
 * embedders. Only `installVerified`/`upgrade` (signed packages, trusted publishers) are reachable
 * from the shell's NodeApi.
 */
export type AppPackage = {
  readonly manifest: { readonly slug: string; readonly version: string; readonly title: string };
  /** Publisher-signed envelopes, in causal order: the publisher's identity genesis, then the schema. */
  readonly envelopes: readonly string[];
};

export type AppInfo = Pick<AppRow, "slug" | "localId" | "state" | "version" | "schemaObjectId">;

/** The one thing installing needs from the Graph: its write path for the package's envelopes. */
export type IngestPort = { ingest(text: string, source: IngestSource): Promise<Result<IngestOutcome>> };

export const SYSTEM_APP_INFO: AppInfo = { slug: SYSTEM_APP, localId: 0, state: "installed_enabled", version: "1", schemaObjectId: "" };

const VERSION_PATTERN = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;

/** public design 08 "Matrix": which transitions each action allows. */
const TRANSITIONS = {
  enable: { from: ["installed_disabled"], to: "installed_enabled" },
  disable: { from: ["installed_enabled"], to: "installed_disabled" },
  remove: { from: ["installed_disabled"], to: "removed" },
} as const satisfies Record<string, { from: readonly AppState[]; to: AppState }>;
export type AppAction = keyof typeof TRANSITIONS;

/** How the caller established trust in a package: a pinned digest (built-ins), a graph grant, or none. */
export type PackageTrust = "pinned" | "granted" | "none";

function objectInvalid(reason: string, message: string): Result<never> {
  return err(nodeError("object_invalid", message, { reason }));
}

function untrusted(pkg: VerifiedPackage): Result<never> {
  return err(
    nodeError("ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED", `${pkg.publisher.name || "This publisher"} is not trusted on this node.`, {
      reason: "publisher_untrusted",
      publisher_id: pkg.publisher.identityId,
    }),
  );
}

export class AppManager {
  readonly #storage: NodeStorage;
  readonly #graph: IngestPort;
  readonly #clock: Clock;
  readonly #schemas = new Map<string, CompiledSchema>();
  /** Rows `get` read, kept until this manager writes that app (it is the only writer of app rows). */
  readonly #rows = new Map<string, AppRow | undefined>();
  /** Moves before and after every write, so a read that overlapped one is not kept. */
  #writes = 0;

  constructor(storage: NodeStorage, graph: IngestPort, clock: Clock) {
    this.#storage = storage;
    this.#graph = graph;
    this.#clock = clock;
  }

  /** Compiles the schema of every installed app from the graph; a broken registry fails closed. */
  async open(): Promise<Result<void>> {
    for (const row of await this.#storage.listApps()) {
      if (row.state === "removed") continue;
      const compiled = await this.#compileStored(row.schemaObjectId, row.slug);
      if (!compiled.ok)
        return err(
          nodeError("ERR_MNG_APP_REGISTRY_INCONSISTENT", `The schema of ${row.slug} cannot be loaded.`, {
            reason: String(compiled.error.data["reason"] ?? compiled.error.code),
            slug: row.slug,
          }),
        );
      this.#schemas.set(row.slug, compiled.value);
    }
    return ok(undefined);
  }

  /** Slugs of installed apps (enabled or not) whose schemas are loaded. */
  installedSlugs(): readonly string[] {
    return [...this.#schemas.keys()].sort();
  }

  /** Installed apps' schemas, enabled or not: disabling never stops history from being valid. */
  schemaFor(app: string): CompiledSchema | undefined {
    return this.#schemas.get(app);
  }

  async get(slug: string): Promise<Result<AppInfo>> {
    if (slug === SYSTEM_APP) return ok(SYSTEM_APP_INFO);
    const row = await this.#cachedRow(slug);
    return row === undefined ? err(nodeError("app_not_found", `No app ${slug} is installed.`, { slug })) : ok(info(row));
  }

  async list(): Promise<readonly AppInfo[]> {
    return [SYSTEM_APP_INFO, ...(await this.#storage.listApps()).map(info)];
  }

  async install(pkg: AppPackage, source: IngestSource): Promise<Result<AppInfo>> {
    const manifest = checkManifest(pkg);
    if (!manifest.ok) return manifest;
    const { slug, version } = manifest.value;
    const existing = await this.#storage.getApp(slug);
    if (existing !== undefined && existing.state !== "removed") {
      // Registration is idempotent per slug and version (public design 08).
      if (existing.version === version) return ok(info(existing));
      return objectInvalid("version_change", `${slug} ${existing.version} is installed; upgrades are not supported yet.`);
    }
    let schemaObjectId: string | undefined;
    for (const text of pkg.envelopes) {
      const outcome = await this.#graph.ingest(text, source);
      if (!outcome.ok) return outcome;
      if (outcome.value.status === "pending" || outcome.value.status === "stub") {
        return err(
          nodeError("ERR_SYNC_MISSING_DEPENDENCY", "The package does not carry everything its envelopes rely on.", {
            reason: "package_incomplete",
            envelope_id: outcome.value.id,
          }),
        );
      }
      const ids = outcome.value.status === "duplicate" ? await this.#createdBy(outcome.value.id) : outcome.value.objectIds;
      for (const id of ids) {
        const row = await this.#storage.getObject(id);
        if (
          row?.typeKey === "system.app_schema" &&
          isJsonObject(row.winner.value) &&
          isJsonObject(row.winner.value["schema"] ?? null) &&
          (row.winner.value["schema"] as { app?: unknown }).app === slug
        )
          schemaObjectId = id;
      }
    }
    if (schemaObjectId === undefined)
      return err(nodeError("ERR_SCHEMA_TYPE_NOT_ALLOWED", `The package holds no schema for ${slug}.`, { reason: "schema_missing", slug }));
    return this.#putRegistryRow({ slug, version, schemaObjectId, state: "installed_enabled", existing, keepInstalledAt: false });
  }

  /**
   * Installs a signed, opened package (04-interfaces 06 register): trust first, before any write.
   * A removed app may come back, from the same publisher only: its data was kept, and another
   * publisher's schema and frontend must never inherit it.
   */
  async installVerified(pkg: VerifiedPackage, trust: PackageTrust, source: IngestSource): Promise<Result<AppInfo>> {
    if (trust === "none") return untrusted(pkg);
    const { slug, version } = pkg.manifest;
    const existing = await this.#storage.getApp(slug);
    if (existing !== undefined && existing.state !== "removed") {
      if (existing.version === version && existing.schemaObjectId === schemaObjectIdOf(pkg)) return ok(info(existing));
      return objectInvalid("already_installed", `${slug} ${existing.version} is installed; upgrade it instead.`);
    }
    if (existing !== undefined && trust !== "pinned" && !(await this.#samePublisher(existing, pkg)))
      return objectInvalid("publisher_changed", `${slug} was installed from another publisher.`);
    return this.#register(pkg, existing, "installed_enabled", source);
  }

  /** A newer version from the same publisher (or a pinned built-in release); keeps enabled or disabled. */
  async upgrade(pkg: VerifiedPackage, trust: PackageTrust, source: IngestSource): Promise<Result<AppInfo>> {
    if (trust === "none") return untrusted(pkg);
    const { slug, version } = pkg.manifest;
    const existing = await this.#storage.getApp(slug);
    if (existing === undefined || existing.state === "removed")
      return err(nodeError("app_not_found", `No app ${slug} is installed.`, { slug }));
    if (compareVersions(version, existing.version) <= 0)
      return objectInvalid("version_not_newer", `${slug} ${version} is not newer than the installed ${existing.version}.`);
    if (trust !== "pinned" && !(await this.#samePublisher(existing, pkg)))
      return objectInvalid("publisher_changed", `${slug} ${existing.version} comes from another publisher.`);
    return this.#register(pkg, existing, existing.state, source);
  }

  /** The identity that authored an installed app's schema: its publisher. */
  async publisherOf(slug: string): Promise<string | undefined> {
    const row = await this.#storage.getApp(slug);
    return row === undefined ? undefined : (await this.#storage.getObject(row.schemaObjectId))?.owner;
  }

  async #samePublisher(existing: AppRow, pkg: VerifiedPackage): Promise<boolean> {
    return (await this.#storage.getObject(existing.schemaObjectId))?.owner === pkg.publisher.identityId;
  }

  async #register(pkg: VerifiedPackage, existing: AppRow | undefined, state: AppState, source: IngestSource): Promise<Result<AppInfo>> {
    const { slug, version } = pkg.manifest;
    for (const text of pkg.envelopes) {
      const outcome = await this.#graph.ingest(text, source);
      if (!outcome.ok) return outcome;
      // A suppressed schema (its publisher forked) or one still pending is no schema at all.
      if (outcome.value.status === "pending" || outcome.value.status === "suppressed")
        return err(
          nodeError("ERR_SYNC_MISSING_DEPENDENCY", "The package's envelopes are not all valid here.", {
            reason: `package_${outcome.value.status}`,
            envelope_id: outcome.value.id,
          }),
        );
    }
    const schemaObjectId = schemaObjectIdOf(pkg);
    return this.#putRegistryRow({ slug, version, schemaObjectId, state, existing, keepInstalledAt: true });
  }

  /**
   * The registry row of an installed app and its compiled schema. Local ids are never reused
   * (public design 08): a reinstall or upgrade keeps its id, and an upgrade its install time.
   */
  async #putRegistryRow(app: {
    readonly slug: string;
    readonly version: string;
    readonly schemaObjectId: string;
    readonly state: AppState;
    readonly existing: AppRow | undefined;
    readonly keepInstalledAt: boolean;
  }): Promise<Result<AppInfo>> {
    const { slug, existing } = app;
    const compiled = await this.#compileStored(app.schemaObjectId, slug);
    if (!compiled.ok) return compiled;
    const now = isoTime(this.#clock);
    const apps = await this.#storage.listApps();
    const kept = app.keepInstalledAt && existing !== undefined && existing.state !== "removed";
    const row: AppRow = {
      slug,
      localId: existing?.localId ?? 1 + Math.max(0, ...apps.map((a) => a.localId)),
      state: app.state,
      version: app.version,
      schemaObjectId: app.schemaObjectId,
      installedAt: kept ? existing.installedAt : now,
      updatedAt: now,
    };
    const saved = await this.#putApp(row);
    if (!saved.ok) return saved;
    this.#schemas.set(slug, compiled.value);
    return ok(info(row));
  }

  /** Every submit asks whether its app is enabled (issue 17): answered from memory between writes. */
  async #cachedRow(slug: string): Promise<AppRow | undefined> {
    if (this.#rows.has(slug)) return this.#rows.get(slug);
    const at = this.#writes;
    const row = await this.#storage.getApp(slug);
    if (at === this.#writes) this.#rows.set(slug, row);
    return row;
  }

  async #putApp(row: AppRow): Promise<Result<void>> {
    this.#writes += 1;
    this.#rows.delete(row.slug);
    try {
      return await this.#storage.putApp(row);
    } finally {
      this.#writes += 1;
      this.#rows.delete(row.slug);
    }
  }

  async transition(slug: string, action: AppAction): Promise<Result<AppInfo>> {
    if (slug === SYSTEM_APP) return objectInvalid("system_app", "The system app cannot be changed.");
    const row = await this.#storage.getApp(slug);
    if (row === undefined) return err(nodeError("app_not_found", `No app ${slug} is installed.`, { slug }));
    const rule = TRANSITIONS[action];
    if (!(rule.from as readonly AppState[]).includes(row.state)) {
      return objectInvalid("illegal_transition", `Cannot ${action} ${slug} while it is ${row.state}.`);
    }
    const next: AppRow = { ...row, state: rule.to, updatedAt: isoTime(this.#clock) };
    const saved = await this.#putApp(next);
    if (!saved.ok) return saved;
    if (next.state === "removed") this.#schemas.delete(slug);
    return ok(info(next));
  }

  async #createdBy(envelopeId: string): Promise<string[]> {
    const versions = await this.#storage.versionsOfEnvelopes([envelopeId]);
    return versions.filter((v) => v.objectId === `${envelopeId}:${v.opIndex}`).map((v) => v.objectId);
  }

  async #compileStored(objectId: string, slug: string): Promise<Result<CompiledSchema>> {
    const row = await this.#storage.getObject(objectId);
    if (row === undefined || row.suppressed === 1 || !isJsonObject(row.winner.value))
      return err(
        nodeError("ERR_MNG_APP_REGISTRY_INCONSISTENT", "The app schema object is missing.", { reason: "schema_object_missing", slug }),
      );
    const compiled = compileSchema(row.winner.value["schema"]);
    if (!compiled.ok) return compiled;
    return ok(compiled.value);
  }
}

/** The last envelope of a package creates its schema object as op 0 (package/envelopes.ts). */
function schemaObjectIdOf(pkg: VerifiedPackage): string {
  return `${pkg.schemaEnvelopeId}:0`;
}

function info(row: AppRow): AppInfo {
  return { slug: row.slug, localId: row.localId, state: row.state, version: row.version, schemaObjectId: row.schemaObjectId };
}

function checkManifest(pkg: AppPackage): Result<AppPackage["manifest"]> {
  const m = (pkg as { manifest?: unknown }).manifest;
  if (!isJsonObject(m ?? null))
    return err(nodeError("ERR_STRUCT_MISSING_FIELD", "The package has no manifest.", { reason: "missing_manifest" }));
  const { slug, version, title } = m as Record<string, unknown>;
  if (typeof slug !== "string" || !isAppName(slug) || slug === SYSTEM_APP)
    return err(nodeError("ERR_STRUCT_INVALID_IDENTIFIER", "The manifest slug is invalid.", { reason: "invalid_slug" }));
  if (typeof version !== "string" || !VERSION_PATTERN.test(version))
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", "The manifest version must be MAJOR.MINOR.PATCH.", { reason: "invalid_version" }));
  if (typeof title !== "string" || title.length === 0 || title.length > 80)
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", "The manifest title must be 1 to 80 characters.", { reason: "invalid_title" }));
  if (!Array.isArray((pkg as { envelopes?: unknown }).envelopes) || pkg.envelopes.some((e) => typeof e !== "string")) {
    return err(
      nodeError("ERR_STRUCT_INVALID_TYPE", "The package envelopes must be a list of envelope texts.", { reason: "invalid_envelopes" }),
    );
  }
  return ok({ slug, version, title });
}
