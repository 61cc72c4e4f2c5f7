// What browser benches and e2e journeys share: the node port as a page reaches it (`window.twoway`),
// and a signed chain of contact (or Market listing) envelopes by one author (genesis first) to fill a node with.
import type { Page } from "playwright-core";
import { buildEnvelope, createSigner, identityIdFromKey, type EnvelopeId, type Signer } from "../src/core/index.ts";

export const CREATED_AT = "2026-11-21T10:00:00.000Z";

type CallResult = { ok: true; value: any } | { ok: false; error: { code: string; message: string } };

/** Calls a node method from the page; a refusal throws, so a bench never measures a failure. */
export async function call(page: Page, method: string, ...args: unknown[]): Promise<any> {
  const result = await page.evaluate(([name, rest]) => window.twoway!.call(name, ...rest) as Promise<CallResult>, [method, args] as const);
  if (!result.ok) throw new Error(`bench: ${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/**
 * One author's chain, continued across calls: `take(count, batch)` yields the next `count` envelope
 * texts in batches of `batch`. Seeded, so every run signs the same history (unless `createdAt` is
 * the clock, for a screen that lists the newest first).
 */
export function createContactChain(
  seedByte: number,
  label: string,
  createdAt: () => string = () => CREATED_AT,
  kind: "contact" | "listing" = "contact",
): (count: number, batch: number) => AsyncGenerator<string[]> {
  let signer: Signer | undefined;
  let seq = 0;
  let prev: EnvelopeId | null = null;
  return async function* take(count, batch) {
    signer ??= await createSigner({ seed: new Uint8Array(32).fill(seedByte) });
    let texts: string[] = [];
    for (let i = 0; i < count; i += 1) {
      seq += 1;
      const genesis = seq === 1;
      const built = await buildEnvelope(signer, {
        app: genesis ? "system" : kind === "contact" ? "app.contacts" : "app.market",
        domain: genesis ? "identity" : kind === "contact" ? "contacts" : "listings",
        traceId: `${label}-${seq}`,
        seq,
        prev,
        lamport: seq - 1,
        createdAt: createdAt(),
        ops: genesis
          ? [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: `${label} author` } } }]
          : kind === "contact"
            ? [
                {
                  op: "parent_create",
                  type_key: "contact.profile",
                  payload: { value: { handle: `person_${seq}`, display_name: `Person ${seq}`, created_at: createdAt() } },
                },
              ]
            : [
                {
                  op: "parent_create",
                  type_key: "market.listing",
                  payload: {
                    value: {
                      title: `Listing ${seq}`,
                      price_cents: seq,
                      currency: "EUR",
                      status: "active",
                      seller_id: identityIdFromKey(signer.publicKey),
                      created_at: createdAt(),
                    },
                  },
                },
              ],
      });
      if (!built.ok) throw new Error(`bench: envelope ${seq}: ${built.error.code} ${built.error.message}`);
      prev = built.value.id;
      texts.push(built.value.text);
      if (texts.length === batch || i === count - 1) {
        yield texts;
        texts = [];
      }
    }
  };
}
