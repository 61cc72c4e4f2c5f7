// Installs the four built-in apps through the same signed-package path as any app (DESIGN D8,
// ADR 0015): the packages of this release are in built-in-packages.generated.ts and trusted by their
// pinned digests, so every node holds byte-identical built-in schema objects and no key in the
// repository can sign anything a node would trust. A removed built-in stays removed.
import {
  compareVersions,
  err,
  fromBase64url,
  ok,
  type PackageDatabase,
  type Result,
  type StoredPackage,
  type TwoWayNode,
} from "../src/core/index.ts";
import { BUILT_IN_PACKAGES } from "./built-in-packages.generated.ts";

export const BUILT_IN_SLUGS: ReadonlySet<string> = new Set(BUILT_IN_PACKAGES.map((p) => p.slug));

/** What createNode is given as pinnedPackageDigests: only these exact bytes are trusted unasked. */
export const PINNED_PACKAGE_DIGESTS: readonly string[] = BUILT_IN_PACKAGES.map((p) => p.digest);

/** Installs the built-ins a node lacks and upgrades those this release has newer; returns how many changed. */
export async function installBuiltInApps(node: TwoWayNode, store: PackageDatabase): Promise<Result<number>> {
  let changed = 0;
  const apps = await node.apps.list();
  const kept = new Map((await store.list()).map((row) => [row.slug, row]));
  for (const pkg of BUILT_IN_PACKAGES) {
    const zip = fromBase64url(pkg.zip)!;
    const installed = apps.find((app) => app.slug === pkg.slug);
    if (installed?.state === "removed") continue;
    // Issue 17: a start where this release's package is installed and its exact bytes are kept checks
    // and writes nothing (the signature is checked again whenever the app opens).
    if (installed?.version === pkg.version && isKept(kept.get(pkg.slug), pkg, zip)) continue;
    let result: Awaited<ReturnType<TwoWayNode["apps"]["installPackage"]>> | undefined;
    if (installed === undefined) result = await node.apps.installPackage(zip, pkg.signature);
    else if (compareVersions(pkg.version, installed.version) > 0) result = await node.apps.upgradePackage(zip, pkg.signature);
    if (result !== undefined) {
      if (!result.ok) return err(result.error);
      changed += 1;
    }
    if (result !== undefined || installed?.version === pkg.version) {
      const about = await node.apps.inspect(zip, pkg.signature);
      if (!about.ok) return err(about.error);
      const { manifest, digest } = about.value;
      await store.put({
        slug: pkg.slug,
        version: pkg.version,
        title: manifest.title,
        description: manifest.description,
        digest,
        zip,
        signature: pkg.signature,
      });
    }
  }
  return ok(changed);
}

/** The package row holds exactly this release's package: its version, digest, signature and bytes. */
function isKept(row: StoredPackage | undefined, pkg: (typeof BUILT_IN_PACKAGES)[number], zip: Uint8Array): boolean {
  if (row === undefined || row.version !== pkg.version || row.digest !== pkg.digest || row.signature !== pkg.signature) return false;
  if (row.zip.length !== zip.length) return false;
  for (let i = 0; i < zip.length; i += 1) if (row.zip[i] !== zip[i]) return false;
  return true;
}
