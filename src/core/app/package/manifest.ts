// manifest.json (04-interfaces 06 §2.3): a strict reader. Unknown fields are refused everywhere, the
// node-local fields a publisher must never set are refused by name, and only `composition:
// "frontend"` is accepted: mini-apps here are frontend-only (DESIGN D8).
import { isJsonObject, type JsonObject, type JsonValue } from "../../shared/json.ts";
import { ok, type Result } from "../../shared/result.ts";
import { isAppName, SYSTEM_APP } from "../../wire/index.ts";
import { invalidDocument, invalidPackage } from "./package-error.ts";

/** The platform version a manifest's `requires.platform.min_version` is compared with. */
export const PLATFORM_VERSION = "0.1.0";

export type AppManifest = {
  readonly slug: string;
  readonly version: string;
  readonly composition: "frontend";
  readonly title: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly dependencies: readonly string[];
  readonly configKeys: readonly string[];
  readonly minPlatformVersion: string;
};

const VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const FORBIDDEN = ["app_id", "global_seq", "sync_flags", "domain_seq"];
const FIELDS = [
  "slug",
  "version",
  "composition",
  "title",
  "description",
  "capabilities",
  "dependencies",
  "config_keys",
  "requires",
  "supports",
  "frontend",
];
const REQUIRED = ["slug", "version", "composition", "title", "capabilities", "dependencies", "config_keys", "requires"];
const MAX_LIST = 64;

export function parseManifest(value: JsonValue): Result<AppManifest> {
  if (!isJsonObject(value)) return invalidDocument("manifest_not_object", "manifest.json must be a JSON object.");
  const shape = checkFields(value, FIELDS, REQUIRED, "manifest");
  if (!shape.ok) return shape;
  const { slug, version, composition, title, description } = value;
  if (typeof slug !== "string" || !SLUG.test(slug) || !isAppName(slug) || slug === SYSTEM_APP)
    return invalidDocument("invalid_slug", "The manifest slug is invalid.", { field: "slug" });
  if (typeof version !== "string" || !VERSION.test(version))
    return invalidDocument("invalid_version", "The manifest version must be MAJOR.MINOR.PATCH.", { field: "version" });
  if (composition !== "frontend")
    return invalidPackage("composition_unsupported", "Only frontend apps can be installed on this node.", { field: "composition" });
  if (typeof title !== "string" || title.trim().length === 0 || title.length > 80)
    return invalidDocument("invalid_title", "The manifest title must be 1 to 80 characters.", { field: "title" });
  if (description !== undefined && (typeof description !== "string" || description.length > 500))
    return invalidDocument("invalid_description", "The manifest description must be at most 500 characters.", { field: "description" });
  // Capabilities and config keys live under the app's namespace, `app.<slug>.*` (public design 02).
  const namespace = slug.startsWith("app.") ? slug : `app.${slug}`;
  const own = new RegExp(`^${escape(namespace)}\\.[a-z0-9_]+(\\.[a-z0-9_]+)*$`);
  const capabilities = stringList(value["capabilities"], "capabilities", (c) => own.test(c));
  if (!capabilities.ok) return capabilities;
  const configKeys = stringList(value["config_keys"], "config_keys", (c) => own.test(c));
  if (!configKeys.ok) return configKeys;
  // Apps never call each other (public design 02 services-and-apps), so nothing may be required.
  const dependencies = stringList(value["dependencies"], "dependencies", () => false);
  if (!dependencies.ok) return dependencies;
  const requires = checkRequires(value["requires"]);
  if (!requires.ok) return requires;
  const supports = checkSupports(value["supports"]);
  if (!supports.ok) return supports;
  const frontend = value["frontend"];
  if (frontend !== undefined) {
    const empty = isJsonObject(frontend)
      ? checkFields(frontend, [], [], "frontend")
      : invalidDocument("invalid_field", "frontend must be an object.", { field: "frontend" });
    if (!empty.ok) return empty;
  }
  return ok({
    slug,
    version,
    composition,
    title,
    description: description ?? "",
    capabilities: capabilities.value,
    dependencies: dependencies.value,
    configKeys: configKeys.value,
    minPlatformVersion: requires.value,
  });
}

/** Compares two MAJOR.MINOR.PATCH versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function checkRequires(value: JsonValue | undefined): Result<string> {
  if (!isJsonObject(value ?? null)) return invalidDocument("invalid_field", "requires must be an object.", { field: "requires" });
  const requires = value as JsonObject;
  const shape = checkFields(requires, ["platform", "managers", "permissions"], ["platform"], "requires");
  if (!shape.ok) return shape;
  const platform = requires["platform"];
  if (!isJsonObject(platform ?? null))
    return invalidDocument("invalid_field", "requires.platform must be an object.", { field: "requires.platform" });
  const inner = checkFields(platform as JsonObject, ["min_version"], ["min_version"], "requires.platform");
  if (!inner.ok) return inner;
  const min = (platform as JsonObject)["min_version"];
  if (typeof min !== "string" || !VERSION.test(min))
    return invalidDocument("invalid_version", "requires.platform.min_version must be MAJOR.MINOR.PATCH.", {
      field: "requires.platform.min_version",
    });
  // 06 §2.3: activation is refused when the package needs a newer platform than this one.
  if (compareVersions(min, PLATFORM_VERSION) > 0)
    return invalidPackage("platform_too_old", `The app needs platform ${min}; this node is ${PLATFORM_VERSION}.`, { min_version: min });
  for (const field of ["managers", "permissions"] as const) {
    const list = stringList(requires[field] ?? [], `requires.${field}`, (s) => /^[a-z][a-z0-9_.]{0,127}$/.test(s));
    if (!list.ok) return list;
  }
  return ok(min);
}

function checkSupports(value: JsonValue | undefined): Result<void> {
  if (value === undefined) return ok(undefined);
  if (!isJsonObject(value)) return invalidDocument("invalid_field", "supports must be an object.", { field: "supports" });
  const shape = checkFields(value, ["frontend"], [], "supports");
  if (!shape.ok) return shape;
  const frontend = value["frontend"];
  if (frontend === undefined) return ok(undefined);
  if (!isJsonObject(frontend))
    return invalidDocument("invalid_field", "supports.frontend must be an object.", { field: "supports.frontend" });
  const inner = checkFields(frontend, ["min_version"], ["min_version"], "supports.frontend");
  if (!inner.ok) return inner;
  const min = frontend["min_version"];
  return typeof min === "string" && VERSION.test(min)
    ? ok(undefined)
    : invalidDocument("invalid_version", "supports.frontend.min_version must be MAJOR.MINOR.PATCH.", {
        field: "supports.frontend.min_version",
      });
}

function checkFields(value: JsonObject, allowed: readonly string[], required: readonly string[], where: string): Result<void> {
  for (const key of Object.keys(value)) {
    if (where === "manifest" && FORBIDDEN.includes(key))
      return invalidDocument("forbidden_field", `${key} is set by the node, never by a package.`, { field: key });
    if (!allowed.includes(key))
      return invalidDocument("unknown_field", `${where} has an unknown field.`, { field: where === "manifest" ? key : `${where}.${key}` });
  }
  for (const key of required)
    if (!Object.hasOwn(value, key))
      return invalidDocument("missing_field", `${where} lacks a required field.`, {
        field: where === "manifest" ? key : `${where}.${key}`,
      });
  return ok(undefined);
}

function stringList(value: JsonValue | undefined, field: string, isValid: (s: string) => boolean): Result<readonly string[]> {
  if (!Array.isArray(value) || value.length > MAX_LIST)
    return invalidDocument("invalid_field", `${field} must be a list of at most ${MAX_LIST} strings.`, { field });
  const items = value as readonly JsonValue[];
  if (!items.every((s): s is string => typeof s === "string" && isValid(s)))
    return invalidDocument("invalid_field", `${field} holds an invalid entry.`, { field });
  if (new Set(items).size !== items.length) return invalidDocument("invalid_field", `${field} repeats an entry.`, { field });
  return ok(items);
}

function escape(text: string): string {
  return text.replace(/[.\\-]/g, (c) => `\\${c}`);
}
