// Every way openPackage refuses a package, each with its code and reason, and what it returns for a
// good one. Defects are made on real ZIPs, re-signed, so only the defect under test can fail.
import { unzipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../shared/bytes.ts";
import { canonicalize } from "../../shared/canonical-json.ts";
import { openPackage } from "./index.ts";
import {
  centralHeaders,
  json,
  notesManifest,
  notesPackage,
  notesSchema,
  publisherSigner,
  resign,
  signedZip,
} from "./test-support/fixtures.ts";
import { signPackage } from "./signature.ts";

const good = await notesPackage();
const goodFiles: Record<string, Uint8Array> = unzipSync(good.zip);

async function refusal(zip: Uint8Array, signature: string, limits = {}) {
  const result = await openPackage(zip, signature, { limits });
  if (result.ok) throw new Error("expected a refusal");
  return { code: result.error.code, reason: result.error.data["reason"], data: result.error.data };
}

async function refusalOf(files: Zippable, limits = {}) {
  const { zip, signature } = await signedZip(files);
  return refusal(zip, signature, limits);
}

function withFile(path: string, bytes: Uint8Array | undefined): Zippable {
  const files: Zippable = { ...goodFiles };
  if (bytes === undefined) delete files[path];
  else files[path] = bytes;
  return files;
}

describe("openPackage accepts", () => {
  it("a well-formed signed package and reports its publisher, version, digest and files", async () => {
    const opened = await openPackage(good.zip, good.signature);
    if (!opened.ok) throw new Error(opened.error.message);
    const pkg = opened.value;
    expect(pkg.manifest).toMatchObject({ slug: "notes", version: "1.0.0", composition: "frontend", title: "Notes" });
    expect(pkg.publisher.name).toBe("Test Publisher");
    expect(pkg.envelopes).toHaveLength(2);
    expect(pkg.digest).toMatch(/^[0-9a-f]{64}$/);
    expect([...pkg.frontend.keys()].sort()).toEqual(["app.js", "index.html"]);
    expect(pkg.acl.read).toEqual({ "notes.note": "owner" });
  });

  it("builds byte-identical packages from the same source, key and chain", async () => {
    expect((await notesPackage()).zip).toEqual(good.zip);
  });

  it("a newer version that extends the same publisher's chain", async () => {
    const next = await notesPackage("1.1.0", good.chain);
    const opened = await openPackage(next.zip, next.signature);
    expect(opened.ok && opened.value.envelopes.slice(0, 2)).toEqual(good.chain);
  });
});

describe("openPackage refuses the signature", () => {
  it("over a tampered ZIP (ERR_SVC_SYS_APP_SIGNATURE_INVALID)", async () => {
    const tampered = good.zip.slice();
    tampered[40]! ^= 1;
    expect(await refusal(tampered, good.signature)).toMatchObject({
      code: "ERR_SVC_SYS_APP_SIGNATURE_INVALID",
      reason: "signature_invalid",
    });
  });

  it("made by another key than the one it names (ERR_SVC_SYS_APP_SIGNATURE_INVALID)", async () => {
    const other = JSON.parse(await signPackage(await publisherSigner(2), good.zip)) as { signature: string };
    const forged = canonicalize({
      publisher_public_key: (JSON.parse(good.signature) as { publisher_public_key: string }).publisher_public_key,
      signature: other.signature,
    });
    expect((await refusal(good.zip, forged)).code).toBe("ERR_SVC_SYS_APP_SIGNATURE_INVALID");
  });

  const sig = JSON.parse(good.signature) as Record<string, string>;
  it.each([
    ["not JSON", "{", "signature_not_json"],
    ["not an object", "[]", "signature_not_object"],
    ["with an unknown field", canonicalize({ ...sig, extra: "x" }), "unknown_field"],
    ["with a short key", canonicalize({ ...sig, publisher_public_key: "AAAA" }), "invalid_public_key"],
    ["with a short signature", canonicalize({ ...sig, signature: "AAAA" }), "invalid_signature_encoding"],
    ["without a signature", canonicalize({ publisher_public_key: sig["publisher_public_key"]! }), "invalid_signature_encoding"],
  ])("document %s (envelope_invalid)", async (_, text, reason) => {
    expect(await refusal(good.zip, text)).toMatchObject({ code: "envelope_invalid", reason });
  });
});

describe("openPackage refuses the container", () => {
  it("over the package size limit, before anything else (object_invalid)", async () => {
    expect(await refusal(good.zip, good.signature, { maxPackageBytes: good.zip.length - 1 })).toMatchObject({
      code: "object_invalid",
      reason: "package_too_large",
    });
  });

  it("that is not a ZIP (object_invalid)", async () => {
    const { zip, signature } = await resign(utf8("this is not a zip archive at all, just text"));
    expect(await refusal(zip, signature)).toMatchObject({ code: "object_invalid", reason: "zip_invalid" });
    const tiny = await resign(utf8("PK"));
    expect(await refusal(tiny.zip, tiny.signature)).toMatchObject({ reason: "zip_invalid" });
  });

  it.each([
    ["../manifest.json", "path_escape"],
    ["frontend/../../etc/passwd", "path_escape"],
    ["frontend/./index.js", "path_escape"],
    ["/frontend/x.js", "path_absolute"],
    ["C:/frontend/x.js", "path_absolute"],
    ["frontend\\x.js", "path_backslash"],
    ["frontend//x.js", "path_empty_segment"],
    ["frontend/ä.js", "path_invalid_character"],
    ["frontend/a b.js", "path_invalid_character"],
    ["frontend/.hidden", "path_invalid_character"],
    [`frontend/${"a".repeat(200)}.js`, "path_too_long"],
    ["frontend/a/b/c/d/e/f/g/h.js", "path_too_deep"],
    ["evil.txt", "path_not_allowed"],
    ["app-service/main.py", "path_not_allowed"],
    ["frontend/", undefined],
  ])("an entry named %s (object_invalid/%s)", async (name, reason) => {
    const result = await refusalOf(withFile(name, utf8("x"))).catch(() => undefined);
    if (reason === undefined)
      expect(result).toBeUndefined(); // a directory entry is fine
    else expect(result).toMatchObject({ code: "object_invalid", reason, data: { path: name } });
  });

  it("two entries whose names differ only in case (object_invalid)", async () => {
    expect(await refusalOf(withFile("frontend/APP.js", utf8("2")))).toMatchObject({ reason: "duplicate_path" });
  });

  it("two entries with the same name (object_invalid)", async () => {
    // fflate zips an object, so the duplicate is made by renaming frontend/bpp.js in place.
    const { zip: renamed } = await signedZip(withFile("frontend/bpp.js", utf8("2")));
    // Byte by byte: a text decoder would remap bytes 0x80-0x9f (windows-1252 in browsers).
    const from = utf8("frontend/bpp.js");
    for (let i = 0; i + from.length <= renamed.length; i++)
      if (from.every((b, j) => renamed[i + j] === b)) renamed[i + "frontend/".length] = "a".charCodeAt(0);
    const { signature } = await resign(renamed);
    expect(await refusal(renamed, signature)).toMatchObject({ reason: "duplicate_path" });
  });

  it("more entries than the limit (object_invalid)", async () => {
    expect(await refusalOf(goodFiles, { maxEntries: Object.keys(goodFiles).length - 1 })).toMatchObject({ reason: "too_many_files" });
  });

  it("a file larger than the per-file limit, judged from its header (object_invalid)", async () => {
    const big = new Uint8Array(64 * 1024); // compresses to almost nothing: the declared size decides
    expect(await refusalOf(withFile("frontend/big.bin", big), { maxFileBytes: 32 * 1024 })).toMatchObject({
      reason: "file_too_large",
      data: { path: "frontend/big.bin" },
    });
  });

  it("files larger than the total limit (object_invalid)", async () => {
    const files = withFile("frontend/a.bin", new Uint8Array(3000));
    files["frontend/b.bin"] = new Uint8Array(3000);
    expect(await refusalOf(files, { maxTotalBytes: 5000 })).toMatchObject({ reason: "package_too_large" });
  });

  it("an entry whose header over-declares its size (object_invalid)", async () => {
    const { zip } = await signedZip(goodFiles);
    for (const at of centralHeaders(zip)) new DataView(zip.buffer, zip.byteOffset).setUint32(at + 24, 999, true);
    const { signature } = await resign(zip);
    expect(await refusal(zip, signature)).toMatchObject({ reason: "zip_size_mismatch" });
  });

  it("an entry compressed with another method than stored or deflate (object_invalid)", async () => {
    const { zip } = await signedZip(goodFiles);
    for (const at of centralHeaders(zip)) new DataView(zip.buffer, zip.byteOffset).setUint16(at + 10, 12, true);
    const { signature } = await resign(zip);
    expect(await refusal(zip, signature)).toMatchObject({ reason: "compression_unsupported" });
  });
});

describe("openPackage refuses the documents", () => {
  it.each(["manifest.json", "schema.json", "envelopes.json", "frontend/index.html"])("without %s (envelope_invalid)", async (path) => {
    expect(await refusalOf(withFile(path, undefined))).toMatchObject({ code: "envelope_invalid", reason: "missing_file", data: { path } });
  });

  it.each(["manifest.json", "schema.json", "envelopes.json", "acl.json"])(
    "with %s that is not strict JSON (envelope_invalid)",
    async (path) => {
      expect(await refusalOf(withFile(path, utf8('{"a":1,"a":2}')))).toMatchObject({
        code: "envelope_invalid",
        reason: "document_not_json",
      });
    },
  );

  it("with a document over the document limit (object_invalid)", async () => {
    expect(await refusalOf(goodFiles, { maxDocumentBytes: 16 })).toMatchObject({ code: "object_invalid", reason: "file_too_large" });
  });

  const manifest = notesManifest();
  const without = (key: string) => Object.fromEntries(Object.entries(manifest).filter(([k]) => k !== key));
  it.each([
    ["an array", [], "envelope_invalid", "manifest_not_object"],
    ["an unknown field", { ...manifest, homepage: "x" }, "envelope_invalid", "unknown_field"],
    ["app_id, set only by the node", { ...manifest, app_id: 7 }, "envelope_invalid", "forbidden_field"],
    ["no capabilities", without("capabilities"), "envelope_invalid", "missing_field"],
    ["no requires", without("requires"), "envelope_invalid", "missing_field"],
    ["an invalid slug", { ...manifest, slug: "Notes!" }, "envelope_invalid", "invalid_slug"],
    ["the system slug", { ...manifest, slug: "system" }, "envelope_invalid", "invalid_slug"],
    ["a non-semver version", { ...manifest, version: "1.0" }, "envelope_invalid", "invalid_version"],
    ["a version with a leading zero", { ...manifest, version: "01.0.0" }, "envelope_invalid", "invalid_version"],
    ["a service composition", { ...manifest, composition: "hybrid" }, "object_invalid", "composition_unsupported"],
    ["an empty title", { ...manifest, title: " " }, "envelope_invalid", "invalid_title"],
    ["a long description", { ...manifest, description: "x".repeat(501) }, "envelope_invalid", "invalid_description"],
    ["another app's capability", { ...manifest, capabilities: ["app.contacts.read"] }, "envelope_invalid", "invalid_field"],
    ["a repeated capability", { ...manifest, capabilities: ["app.notes.read", "app.notes.read"] }, "envelope_invalid", "invalid_field"],
    ["a config key outside its namespace", { ...manifest, config_keys: ["system.x"] }, "envelope_invalid", "invalid_field"],
    ["a dependency", { ...manifest, dependencies: ["contacts"] }, "envelope_invalid", "invalid_field"],
    [
      "an unknown requires field",
      { ...manifest, requires: { platform: { min_version: "0.1.0" }, gpu: true } },
      "envelope_invalid",
      "unknown_field",
    ],
    ["no platform", { ...manifest, requires: {} }, "envelope_invalid", "missing_field"],
    ["a bad platform version", { ...manifest, requires: { platform: { min_version: "x" } } }, "envelope_invalid", "invalid_version"],
    ["a newer platform", { ...manifest, requires: { platform: { min_version: "9.0.0" } } }, "object_invalid", "platform_too_old"],
    ["bad managers", { ...manifest, requires: { platform: { min_version: "0.1.0" }, managers: [1] } }, "envelope_invalid", "invalid_field"],
    ["an unknown supports field", { ...manifest, supports: { backend: {} } }, "envelope_invalid", "unknown_field"],
    ["a bad supports version", { ...manifest, supports: { frontend: { min_version: "1" } } }, "envelope_invalid", "invalid_version"],
    ["a non-empty frontend object", { ...manifest, frontend: { entry: "x" } }, "envelope_invalid", "unknown_field"],
  ])("with a manifest that has %s", async (_, value, code, reason) => {
    expect(await refusalOf(withFile("manifest.json", json(value)))).toMatchObject({ code, reason });
  });

  it("with a schema that does not compile (ERR_MNG_SCHEMA_VALIDATION_FAILED)", async () => {
    expect((await refusalOf(withFile("schema.json", json({ ...notesSchema(), domains: {} })))).code).toBe(
      "ERR_MNG_SCHEMA_VALIDATION_FAILED",
    );
  });

  it.each([
    ["another app", { ...notesSchema(), app: "other" }, "schema_app_mismatch"],
    ["another version", notesSchema("2.0.0"), "schema_version_mismatch"],
  ])("with a schema for %s (object_invalid)", async (_, schema, reason) => {
    expect(await refusalOf(withFile("schema.json", json(schema)))).toMatchObject({ code: "object_invalid", reason });
  });

  it.each([
    ["an array", [], "acl_not_object"],
    ["an unknown field", { write: {} }, "unknown_field"],
    ["a type the schema lacks", { read: { "notes.other": "owner" } }, "acl_unknown_type"],
    ["an unknown rule", { read: { "notes.note": "everyone" } }, "invalid_field"],
    ["a read that is not an object", { read: [] }, "invalid_field"],
  ])("with acl.json that has %s (envelope_invalid)", async (_, acl, reason) => {
    expect(await refusalOf(withFile("acl.json", json(acl)))).toMatchObject({ code: "envelope_invalid", reason });
  });
});
