// Checks every argument that crosses the node port before the node sees it. The caller is untrusted
// (the page today, mini-app ports later): a malformed request gets one coded error and changes
// nothing. Pure functions over `unknown`; the node still runs its own checks behind these.
import {
  err,
  isAppName,
  isDomainName,
  isTraceId,
  nodeError,
  ok,
  parseIdentityId,
  tryCanonicalize,
  type ErrorCode,
  type Result,
} from "../core/index.ts";
import {
  PORT_LIMITS,
  type AppRequest,
  type ImportRequest,
  type PackageRequest,
  type PublisherRequest,
  type SyncAttachRequest,
  type OpRequest,
  type PageRequest,
  type ReadRequest,
  type SubmitRequest,
} from "./node-api.ts";

type Fields = Readonly<Record<string, unknown>>;

function rejected(code: ErrorCode, reason: string, message: string, field?: string): Result<never> {
  return err(nodeError(code, message, field === undefined ? { reason } : { reason, field }));
}

function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A method takes at most `max` arguments; more is a caller bug or a probe. */
export function checkArgumentCount(args: readonly unknown[], max: number): Result<void> {
  if (args.length > max) {
    return rejected("ERR_STRUCT_INVALID_TYPE", "too_many_arguments", `This method takes at most ${max} argument${max === 1 ? "" : "s"}.`);
  }
  return ok(undefined);
}

/** A plain object with only the named keys; `required` must be present. */
function checkObject(value: unknown, what: string, allowed: readonly string[], required: readonly string[] = []): Result<Fields> {
  if (!isPlainObject(value)) return rejected("ERR_STRUCT_INVALID_TYPE", "not_an_object", `The ${what} must be a plain object.`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      return rejected("ERR_STRUCT_INVALID_TYPE", "unknown_field", `The ${what} has an unknown field "${key}".`, key);
  }
  for (const key of required) {
    if (value[key] === undefined) return rejected("ERR_STRUCT_MISSING_FIELD", "missing_field", `The ${what} needs "${key}".`, key);
  }
  return ok(value);
}

/** The whole request must be JSON (no NaN, Date, Map, functions…) and bounded in size. */
function checkJsonSize(value: unknown, maxChars: number, what: string): Result<void> {
  const text = tryCanonicalize(value);
  if (!text.ok) return rejected("ERR_STRUCT_INVALID_ENCODING", "not_json", `The ${what} is not plain JSON data.`);
  if (text.value.length > maxChars)
    return rejected("ERR_STRUCT_INVALID_TYPE", "too_large", `The ${what} is larger than ${maxChars} characters.`);
  return ok(undefined);
}

function checkInteger(value: unknown, field: string, min: number, max: number): Result<number> {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    return rejected("ERR_STRUCT_INVALID_TYPE", "not_an_integer", `"${field}" must be a whole number.`, field);
  }
  if (value < min || value > max)
    return rejected("ERR_STRUCT_INVALID_TYPE", "out_of_range", `"${field}" must be between ${min} and ${max}.`, field);
  return ok(value);
}

function checkOptionalIdentity(value: unknown): Result<string | undefined> {
  if (value === undefined) return ok(undefined);
  if (typeof value !== "string" || parseIdentityId(value) === undefined) {
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity_id", '"identityId" is not an identity id.', "identityId");
  }
  return ok(value);
}

function checkApp(value: unknown): Result<string> {
  if (typeof value !== "string" || !isAppName(value))
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_app", '"app" is not an app name.', "app");
  return ok(value);
}

/** For methods that take nothing. */
export function parseNoArguments(args: readonly unknown[]): Result<void> {
  return checkArgumentCount(args, 0);
}

export function parseCreateIdentity(args: readonly unknown[]): Result<{ name: string }> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "request", ["name"], ["name"]);
  if (!request.ok) return request;
  const name = request.value["name"];
  if (typeof name !== "string") return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_string", '"name" must be text.', "name");
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > PORT_LIMITS.maxNameChars) {
    return rejected("ERR_STRUCT_INVALID_TYPE", "out_of_range", `"name" must be 1 to ${PORT_LIMITS.maxNameChars} characters.`, "name");
  }
  return ok({ name: trimmed });
}

function checkOps(value: unknown): Result<readonly OpRequest[]> {
  if (!Array.isArray(value)) return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_list", '"ops" must be a list.', "ops");
  if (value.length === 0 || value.length > PORT_LIMITS.maxOps) {
    return rejected("ERR_STRUCT_INVALID_TYPE", "out_of_range", `"ops" must hold 1 to ${PORT_LIMITS.maxOps} ops.`, "ops");
  }
  for (const op of value) {
    // Only the shape here; op grammar, schema and ownership are the node's checks (its codes, audited).
    const checked = checkObject(op, "op", ["op", "type_key", "payload"], ["op", "type_key", "payload"]);
    if (!checked.ok) return checked;
    if (
      typeof checked.value["op"] !== "string" ||
      typeof checked.value["type_key"] !== "string" ||
      !isPlainObject(checked.value["payload"])
    ) {
      return rejected("ERR_STRUCT_INVALID_TYPE", "invalid_op", 'Each op needs text "op" and "type_key" and an object "payload".', "ops");
    }
  }
  return ok(value as readonly OpRequest[]);
}

export function parseSubmit(args: readonly unknown[]): Result<SubmitRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "write request", ["app", "domain", "ops", "identityId", "traceId"], ["app", "domain", "ops"]);
  if (!request.ok) return request;
  const fields = request.value;
  const size = checkJsonSize(fields["ops"], PORT_LIMITS.maxRequestChars, "list of ops");
  if (!size.ok) return size;
  const app = checkApp(fields["app"]);
  if (!app.ok) return app;
  const domain = fields["domain"];
  if (typeof domain !== "string" || !isDomainName(domain)) {
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_domain", '"domain" is not a domain name.', "domain");
  }
  const ops = checkOps(fields["ops"]);
  if (!ops.ok) return ops;
  const identityId = checkOptionalIdentity(fields["identityId"]);
  if (!identityId.ok) return identityId;
  const traceId = fields["traceId"];
  if (traceId !== undefined && (typeof traceId !== "string" || !isTraceId(traceId))) {
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_trace_id", '"traceId" is not a trace id.', "traceId");
  }
  return ok({
    app: app.value,
    domain,
    ops: ops.value,
    ...(identityId.value === undefined ? {} : { identityId: identityId.value }),
    ...(traceId === undefined ? {} : { traceId }),
  });
}

export function parseRead(args: readonly unknown[]): Result<ReadRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "read request", ["app", "query", "identityId"], ["app", "query"]);
  if (!request.ok) return request;
  const size = checkJsonSize(request.value["query"], PORT_LIMITS.maxRequestChars, "read query");
  if (!size.ok) return size;
  const app = checkApp(request.value["app"]);
  if (!app.ok) return app;
  const query = request.value["query"];
  if (!isPlainObject(query)) return rejected("ERR_STRUCT_INVALID_TYPE", "not_an_object", '"query" must be an object.', "query");
  const identityId = checkOptionalIdentity(request.value["identityId"]);
  if (!identityId.ok) return identityId;
  return ok({ app: app.value, query, ...(identityId.value === undefined ? {} : { identityId: identityId.value }) });
}

/** Newest-first pages of history or rejections. */
export function parsePage(args: readonly unknown[]): Result<{ beforeSeq: number | undefined; limit: number }> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  if (args[0] === undefined) return ok({ beforeSeq: undefined, limit: PORT_LIMITS.defaultPageLimit });
  const request = checkObject(args[0], "page request", ["beforeSeq", "limit"] satisfies (keyof PageRequest)[]);
  if (!request.ok) return request;
  const { beforeSeq, limit } = request.value;
  const before = beforeSeq === undefined ? ok(undefined) : checkInteger(beforeSeq, "beforeSeq", 1, Number.MAX_SAFE_INTEGER);
  if (!before.ok) return before;
  const size = limit === undefined ? ok(PORT_LIMITS.defaultPageLimit) : checkInteger(limit, "limit", 1, PORT_LIMITS.maxPageLimit);
  if (!size.ok) return size;
  return ok({ beforeSeq: before.value, limit: size.value });
}

/** Oldest-first pages of envelope texts for the recovery file. */
export function parseExportRequest(args: readonly unknown[]): Result<{ afterSeq: number; limit: number }> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  if (args[0] === undefined) return ok({ afterSeq: 0, limit: PORT_LIMITS.maxExportLimit });
  const request = checkObject(args[0], "export request", ["afterSeq", "limit"]);
  if (!request.ok) return request;
  const { afterSeq, limit } = request.value;
  const after = afterSeq === undefined ? ok(0) : checkInteger(afterSeq, "afterSeq", 0, Number.MAX_SAFE_INTEGER);
  if (!after.ok) return after;
  const size = limit === undefined ? ok(PORT_LIMITS.maxExportLimit) : checkInteger(limit, "limit", 1, PORT_LIMITS.maxExportLimit);
  if (!size.ok) return size;
  return ok({ afterSeq: after.value, limit: size.value });
}

export function parseImport(args: readonly unknown[]): Result<ImportRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "import request", ["envelopes"], ["envelopes"]);
  if (!request.ok) return request;
  const envelopes = request.value["envelopes"];
  if (!Array.isArray(envelopes))
    return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_list", '"envelopes" must be a list of texts.', "envelopes");
  if (envelopes.length === 0 || envelopes.length > PORT_LIMITS.maxImportEnvelopes) {
    return rejected(
      "ERR_STRUCT_INVALID_TYPE",
      "out_of_range",
      `"envelopes" must hold 1 to ${PORT_LIMITS.maxImportEnvelopes} texts.`,
      "envelopes",
    );
  }
  for (const text of envelopes) {
    if (typeof text !== "string" || text.length > PORT_LIMITS.maxEnvelopeChars) {
      return rejected(
        "ERR_STRUCT_INVALID_TYPE",
        "invalid_envelope_text",
        `Each envelope must be text of at most ${PORT_LIMITS.maxEnvelopeChars} characters.`,
        "envelopes",
      );
    }
  }
  return ok({ envelopes: envelopes as string[] });
}

/** The port must be a real MessagePort (transferred, not cloned); the label is only for people. */
export function parseSyncAttach(args: readonly unknown[]): Result<SyncAttachRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "sync attach request", ["port", "label", "via"], ["port", "label", "via"]);
  if (!request.ok) return request;
  const { port, label, via } = request.value;
  if (typeof MessagePort === "undefined" || !(port instanceof MessagePort))
    return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_port", '"port" must be a transferred MessagePort.', "port");
  if (typeof label !== "string" || label.length === 0 || label.length > PORT_LIMITS.maxNameChars)
    return rejected("ERR_STRUCT_INVALID_TYPE", "invalid_label", `"label" must be 1 to ${PORT_LIMITS.maxNameChars} characters.`, "label");
  if (via !== "relay" && via !== "invite")
    return rejected("ERR_STRUCT_INVALID_TYPE", "invalid_via", '"via" is "relay" or "invite".', "via");
  return ok({ port, label, via });
}

export function parseSyncDetach(args: readonly unknown[]): Result<{ sessionId: string }> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "sync detach request", ["sessionId"], ["sessionId"]);
  if (!request.ok) return request;
  const { sessionId } = request.value;
  if (typeof sessionId !== "string" || !/^peer-[0-9]{1,9}$/.test(sessionId))
    return rejected("ERR_STRUCT_INVALID_TYPE", "invalid_session_id", '"sessionId" names a session from syncOverview.', "sessionId");
  return ok({ sessionId });
}

/** A package crosses the port as bytes: a Uint8Array (or an ArrayBuffer the shell read from a file). */
export function parsePackageRequest(args: readonly unknown[]): Result<PackageRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "request", ["zip", "signature", "identityId"], ["zip", "signature"]);
  if (!request.ok) return request;
  const raw = request.value["zip"];
  const zip = raw instanceof Uint8Array ? raw : raw instanceof ArrayBuffer ? new Uint8Array(raw) : undefined;
  if (zip === undefined) return rejected("ERR_STRUCT_INVALID_TYPE", "not_bytes", '"zip" must be the package bytes.', "zip");
  if (zip.length === 0 || zip.length > PORT_LIMITS.maxPackageBytes)
    return rejected("ERR_STRUCT_INVALID_TYPE", "out_of_range", `"zip" must be 1 to ${PORT_LIMITS.maxPackageBytes} bytes.`, "zip");
  const signature = request.value["signature"];
  if (typeof signature !== "string" || signature.length === 0 || signature.length > PORT_LIMITS.maxSignatureChars)
    return rejected(
      "ERR_STRUCT_INVALID_TYPE",
      "out_of_range",
      `"signature" must be text of 1 to ${PORT_LIMITS.maxSignatureChars} characters.`,
      "signature",
    );
  const identityId = checkOptionalIdentity(request.value["identityId"]);
  if (!identityId.ok) return identityId;
  // A copy: the node must not read bytes the caller can still change (a shared or reused buffer).
  return ok({ zip: zip.slice(), signature, ...(identityId.value === undefined ? {} : { identityId: identityId.value }) });
}

export function parseAppRequest(args: readonly unknown[]): Result<AppRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "request", ["slug"], ["slug"]);
  if (!request.ok) return request;
  const slug = request.value["slug"];
  if (typeof slug !== "string" || !isAppName(slug))
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_app", '"slug" is not an app name.', "slug");
  return ok({ slug });
}

export function parsePublisherRequest(args: readonly unknown[]): Result<PublisherRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "request", ["publisherId"], ["publisherId"]);
  if (!request.ok) return request;
  const publisherId = parseIdentityId(request.value["publisherId"]);
  if (publisherId === undefined)
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity", '"publisherId" is not an identity id.', "publisherId");
  return ok({ publisherId });
}

/** A mini-app's write: the port's app is added here, so a request that names one is refused. */
export function parseAppSubmit(args: readonly unknown[], app: string, maxChars: number): Result<SubmitRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "write request", ["domain", "ops", "traceId"], ["domain", "ops"]);
  if (!request.ok) return request;
  const size = checkJsonSize(request.value, maxChars, "write request");
  if (!size.ok) return size;
  return parseSubmit([{ ...request.value, app }]);
}

/** A mini-app's read query; its app is the port's, never the query's. */
export function parseAppRead(args: readonly unknown[], app: string, maxChars: number): Result<ReadRequest> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const size = checkJsonSize(args[0], maxChars, "read query");
  if (!size.ok) return size;
  return parseRead([{ app, query: args[0] }]);
}

/** The shell opens an app and hands the worker one end of the app's MessageChannel. */
export function parseOpenApp(args: readonly unknown[]): Result<{ slug: string; port: MessagePort | undefined }> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const request = checkObject(args[0], "request", ["slug", "port"], ["slug"]);
  if (!request.ok) return request;
  const slug = parseAppRequest([{ slug: request.value["slug"] }]);
  if (!slug.ok) return slug;
  const port = request.value["port"];
  if (port !== undefined && !(typeof MessagePort !== "undefined" && port instanceof MessagePort))
    return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_port", '"port" must be a transferred MessagePort.', "port");
  return ok({ slug: slug.value.slug, port });
}

/** A mini-app's subscription: a callback (a Comlink proxy) and an optional narrowing filter. */
export function parseAppSubscribe(
  args: readonly unknown[],
): Result<{ onEvent: (event: unknown) => unknown; domain?: string; types?: readonly string[] }> {
  const count = checkArgumentCount(args, 2);
  if (!count.ok) return count;
  const onEvent = args[0];
  if (typeof onEvent !== "function")
    return rejected("ERR_STRUCT_INVALID_TYPE", "not_a_callback", "The first argument must be a callback (Comlink.proxy).", "onEvent");
  if (args[1] === undefined) return ok({ onEvent: onEvent as (event: unknown) => unknown });
  const filter = checkObject(args[1], "filter", ["domain", "types"]);
  if (!filter.ok) return filter;
  const { domain, types } = filter.value;
  if (domain !== undefined && (typeof domain !== "string" || !isDomainName(domain)))
    return rejected("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_domain", '"domain" is not a domain name.', "domain");
  if (
    types !== undefined &&
    (!Array.isArray(types) || types.length === 0 || types.length > 64 || !types.every((t) => typeof t === "string" && t.length <= 128))
  )
    return rejected("ERR_STRUCT_INVALID_TYPE", "invalid_types", '"types" must be 1 to 64 type keys.', "types");
  return ok({
    onEvent: onEvent as (event: unknown) => unknown,
    ...(domain === undefined ? {} : { domain }),
    ...(types === undefined ? {} : { types: types as string[] }),
  });
}
