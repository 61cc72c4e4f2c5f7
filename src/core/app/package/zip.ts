// Reads the entries of a package ZIP with fflate (DESIGN D8). Every entry is judged from its central
// directory header (name, declared sizes, method) before any byte is inflated, so a ZIP bomb or a
// path escape costs nothing; then each inflated file must be exactly its declared size.
// Owns the container only: what the files mean is read-package.ts's business.
import { unzipSync, type UnzipFileInfo } from "fflate";
import { err, ok, type Result } from "../../shared/result.ts";
import type { PackageLimits } from "./limits.ts";
import { invalidPackage, packageError } from "./package-error.ts";
import { checkPath, isAllowedFile } from "./paths.ts";
import type { NodeError } from "../../shared/errors.ts";

/** The smallest ZIP: an empty end-of-central-directory record. */
const EOCD_BYTES = 22;
const STORED = 0;
const DEFLATE = 8;

export type ZipEntries = ReadonlyMap<string, Uint8Array>;

export function readZipEntries(bytes: Uint8Array, limits: PackageLimits): Result<ZipEntries> {
  if (bytes.length > limits.maxPackageBytes)
    return invalidPackage("package_too_large", `The package exceeds ${limits.maxPackageBytes} bytes.`, { limit: limits.maxPackageBytes });
  if (bytes.length < EOCD_BYTES) return invalidPackage("zip_invalid", "The package is not a ZIP archive.");
  const declared = new Map<string, number>();
  const seen = new Set<string>();
  let entries = 0;
  let total = 0;
  let defect: NodeError | undefined;
  const filter = (file: UnzipFileInfo): boolean => {
    defect = judgeEntry(file, limits, seen, ++entries, (total += file.originalSize));
    // Throwing stops fflate at the first defect: a forged entry count (up to 2^32 with ZIP64) must
    // not make it walk millions of headers after the answer is known.
    if (defect !== undefined) throw new Error(defect.data["reason"] as string);
    if (file.name.endsWith("/")) return false;
    declared.set(file.name, file.originalSize);
    return true;
  };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter });
  } catch {
    // fflate throws on a missing end record, a truncated entry or corrupt deflate data.
    return defect === undefined ? invalidPackage("zip_invalid", "The package is not a readable ZIP archive.") : err(defect);
  }
  const result = new Map<string, Uint8Array>();
  for (const [name, size] of declared) {
    const data = files[name];
    // A header that under-declares is truncated by fflate and one that over-declares leaves a short
    // file: either way the entry is not what its header says, so the package is refused.
    if (data === undefined || data.length !== size)
      return invalidPackage("zip_size_mismatch", "An entry's content does not match its declared size.", { path: name });
    result.set(name, data);
  }
  return ok(result);
}

function judgeEntry(file: UnzipFileInfo, limits: PackageLimits, seen: Set<string>, count: number, total: number): NodeError | undefined {
  const path = file.name;
  if (count > limits.maxEntries)
    return packageError("object_invalid", "too_many_files", `The package holds more than ${limits.maxEntries} entries.`, {
      limit: limits.maxEntries,
    });
  const verdict = checkPath(path, limits);
  if (!verdict.ok) return packageError("object_invalid", verdict.reason, "An entry has a name a package may not use.", { path });
  // Names that differ only in case collide on case-insensitive readers (and in people's eyes).
  const key = path.toLowerCase();
  if (seen.has(key)) return packageError("object_invalid", "duplicate_path", "Two entries have the same name.", { path });
  seen.add(key);
  if (path.endsWith("/")) return undefined;
  if (!isAllowedFile(path))
    return packageError("object_invalid", "path_not_allowed", "Only the root documents and frontend/ may be in a package.", { path });
  if (file.compression !== STORED && file.compression !== DEFLATE)
    return packageError("object_invalid", "compression_unsupported", "Entries must be stored or deflated.", { path });
  if (file.originalSize > limits.maxFileBytes)
    return packageError("object_invalid", "file_too_large", `An entry exceeds ${limits.maxFileBytes} bytes.`, {
      path,
      limit: limits.maxFileBytes,
    });
  if (total > limits.maxTotalBytes)
    return packageError("object_invalid", "package_too_large", `The files exceed ${limits.maxTotalBytes} bytes in all.`, {
      limit: limits.maxTotalBytes,
    });
  return undefined;
}
