// App packages (DESIGN D8): pure functions to read, verify and build them; no storage, no DOM.
export { openPackage, type OpenPackageOptions, type VerifiedPackage } from "./read-package.ts";
export { buildPackage, type BuiltPackage, type PackageSource, type Publisher } from "./build-package.ts";
export { DEFAULT_PACKAGE_LIMITS, type PackageLimits } from "./limits.ts";
export { compareVersions, PLATFORM_VERSION, type AppManifest } from "./manifest.ts";
export { packageDigest, parsePackageSignature, signPackage, type PackageSignature } from "./signature.ts";
export type { AclDefaults } from "./acl-defaults.ts";
