// Name grammars shared by envelopes and sync frames: apps may be dotted (`app.messaging`), domains
// are snake_case (`messages`), types are namespaced (`message.item`). Lower-case ASCII only.
export const APP_PATTERN = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
export const DOMAIN_PATTERN = /^[a-z][a-z0-9_]*$/;
export const TYPE_KEY_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
export const TRACE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const NAME_MAX = 64;
export const TYPE_KEY_MAX = 128;

export function isAppName(text: string): boolean {
  return text.length <= NAME_MAX && APP_PATTERN.test(text);
}

export function isDomainName(text: string): boolean {
  return text.length <= NAME_MAX && DOMAIN_PATTERN.test(text);
}

export function isTypeKey(text: string): boolean {
  return text.length <= TYPE_KEY_MAX && TYPE_KEY_PATTERN.test(text);
}

export function isTraceId(value: unknown): value is string {
  return typeof value === "string" && TRACE_ID_PATTERN.test(value);
}

/** RFC 3339 in the one canonical form JavaScript produces: UTC, milliseconds, `Z` (ADR 0002). */
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isCanonicalTimestamp(text: string): boolean {
  if (!TIMESTAMP_PATTERN.test(text)) return false;
  const time = Date.parse(text);
  return Number.isFinite(time) && new Date(time).toISOString() === text; // rejects 2026-02-30 and friends
}

/** A sync domain is `<app>/<domain>` (DESIGN §3). */
export function isSyncDomain(text: string): boolean {
  const slash = text.indexOf("/");
  return slash > 0 && isAppName(text.slice(0, slash)) && isDomainName(text.slice(slash + 1));
}
