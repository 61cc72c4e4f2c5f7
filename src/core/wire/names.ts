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

/** A sync domain is `<app>/<domain>` (DESIGN §3). */
export function isSyncDomain(text: string): boolean {
  const slash = text.indexOf("/");
  return slash > 0 && isAppName(text.slice(0, slash)) && isDomainName(text.slice(slash + 1));
}
