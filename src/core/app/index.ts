// App manager: the node-local app registry and lifecycle (public design 08).
export { AppManager, SYSTEM_APP_INFO, type AppAction, type AppInfo, type AppPackage, type PackageTrust } from "./app-manager.ts";
export {
  buildPackage,
  openPackage,
  packageDigest,
  signPackage,
  compareVersions,
  DEFAULT_PACKAGE_LIMITS,
  PLATFORM_VERSION,
  type AclDefaults,
  type AppManifest,
  type BuiltPackage,
  type PackageLimits,
  type PackageSource,
  type Publisher,
  type VerifiedPackage,
} from "./package/index.ts";
export { createPackageLifecycle, type PackageLifecycle, type PackageLifecyclePorts, type PackagePreview } from "./package-lifecycle.ts";
export { isTrustedPublisher, PUBLISH_CAPABILITY } from "./publisher-trust.ts";
export { createTrustList, type TrustedPublisher, type TrustList } from "./trust-list.ts";
