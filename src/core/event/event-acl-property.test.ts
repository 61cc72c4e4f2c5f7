// Seeded property (FUZZ_SEED, FUZZ_MAX_CASES): under random read decisions, random filters, random
// commits and random permission latencies, every subscriber receives exactly the events it should —
// never an object it cannot read, nothing twice, nothing missing, in global_seq order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAuthManager, type LocalContext } from "../auth/index.ts";
import { createSigner, createVerifier } from "../crypto/index.ts";
import { manualClock, seededRandom } from "../shared/clock.ts";
import { digestId, identityIdFromKey, objectId, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { createEventManager, type CanRead, type CloseEvent, type CommitNotice, type GraphEvent } from "./index.ts";

const APP = "app.notes";
const TYPES = ["notes.note", "notes.tag", "notes.link"] as const;
const IDENTITIES = [3, 4, 5].map((n) => identityIdFromKey(new Uint8Array(32).fill(n)));
/** Not among TYPES, so adding it to a filter changes nothing for the random commits. */
const SENTINEL_TYPE = "notes.end";

const noticeArb = fc.record({
  app: fc.constantFrom(APP, APP, "app.todo"),
  domain: fc.constantFrom("notes", "archive"),
  status: fc.constantFrom<"accepted" | "suppressed">("accepted", "accepted", "accepted", "suppressed"),
  types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 6 }),
});

const subscriberArb = fc.record({
  identity: fc.nat(IDENTITIES.length - 1),
  pull: fc.boolean(),
  domain: fc.option(fc.constantFrom("notes", "archive"), { nil: undefined }),
  types: fc.option(fc.subarray([...TYPES], { minLength: 1 }), { nil: undefined }),
});

type Plan = { readonly domain?: string | undefined };

describe("the read filter, as a property", () => {
  it("delivers to each subscriber exactly the readable, matching objects, once, in global_seq order", async () => {
    const nodeKey = await createSigner({ seed: new Uint8Array(32).fill(1) });
    const auth = createAuthManager({
      clock: manualClock(),
      random: seededRandom(5),
      verifier: await createVerifier(),
      server: { identityId: identityIdFromKey(nodeKey.publicKey), signer: nodeKey },
    });
    const contexts = new Map<string, LocalContext>();
    const contextOf = (identity: IdentityId, slot: number) => {
      const key = `${identity}/${slot}`;
      if (!contexts.has(key)) {
        const opened = auth.openSession({ identityId: identity, app: APP, keyId: `k${slot}` });
        if (!opened.ok) throw new Error(opened.error.message);
        contexts.set(key, opened.value.context);
      }
      return contexts.get(key)!;
    };

    await fc.assert(
      fc.asyncProperty(
        fc.array(subscriberArb, { minLength: 1, maxLength: 4 }),
        fc.array(noticeArb, { minLength: 1, maxLength: 25 }),
        fc.func(fc.boolean()),
        fc.func(fc.nat(3)),
        fc.boolean(),
        async (plans, drafts, allowed, latency, asynchronous) => {
          const envelope = (seq: number) => digestId({ seq }) as EnvelopeId;
          const notices: CommitNotice[] = drafts.map((d, i) => ({
            envelopeId: envelope(i + 1),
            seq: i + 1,
            app: d.app,
            domain: d.domain,
            status: d.status,
            objects: d.types.map((typeKey, index) => ({
              id: objectId(envelope(i + 1), index),
              kind: "parent" as const,
              typeKey,
              owner: IDENTITIES[0]!,
            })),
          }));
          // One last commit per domain, which every subscriber may read, marks the end of its stream.
          const sentinels: CommitNotice[] = ["notes", "archive"].map((domain, i) => ({
            envelopeId: envelope(notices.length + 1 + i),
            seq: notices.length + 1 + i,
            app: APP,
            domain,
            status: "accepted",
            objects: [{ id: objectId(envelope(notices.length + 1 + i), 0), kind: "parent", typeKey: SENTINEL_TYPE, owner: IDENTITIES[0]! }],
          }));
          const sentinelIds = new Set(sentinels.map((n) => n.objects[0]!.id));
          const sentinelSeqs = new Set(sentinels.map((n) => n.seq));
          const lastSentinelFor = (plan: Plan) => (plan.domain === "notes" ? sentinels[0]! : sentinels[1]!).seq;
          const decide = (identity: string, id: string) => sentinelIds.has(id) || allowed(identity, id);
          const canRead: CanRead = asynchronous
            ? async (identity, _app, id) => {
                for (let i = latency(identity, id); i > 0; i--) await Promise.resolve();
                return decide(identity, id);
              }
            : (identity, _app, id) => decide(identity, id);
          const events = createEventManager({ canRead, capacity: () => 1000 });

          const subscriptions = plans.map((plan, slot) => {
            const received: GraphEvent[] = [];
            const filter = {
              app: APP,
              ...(plan.domain === undefined ? {} : { domain: plan.domain }),
              ...(plan.types === undefined ? {} : { types: [...new Set([...plan.types, SENTINEL_TYPE])] }),
            };
            const context = contextOf(IDENTITIES[plan.identity]!, slot);
            const sink = plan.pull ? undefined : (e: GraphEvent | CloseEvent) => void (e.event !== "close" && received.push(e));
            const subscribed = events.subscribe(context, filter, sink);
            if (!subscribed.ok) throw new Error(subscribed.error.message);
            return { plan, received, subscription: subscribed.value };
          });

          for (const notice of notices) expect(events.publish(notice).ok).toBe(true);
          for (const notice of sentinels) expect(events.publish(notice).ok).toBe(true);
          await events.settled();

          for (const { plan, received, subscription } of subscriptions) {
            if (plan.pull) {
              for (;;) {
                const next = await subscription.next();
                if (next.done) throw new Error(`closed early: ${next.value.reason}`);
                received.push(next.value);
                if (next.value.payload.global_seq === lastSentinelFor(plan)) break;
              }
            }
            const identity = IDENTITIES[plan.identity]!;
            const expected = notices.flatMap((n) => {
              if (n.status !== "accepted" || n.app !== APP || (plan.domain !== undefined && n.domain !== plan.domain)) return [];
              const ids = n.objects
                .filter(
                  (o) => (plan.types === undefined || plan.types.includes(o.typeKey as (typeof TYPES)[number])) && decide(identity, o.id),
                )
                .map((o) => o.id);
              return ids.length === 0 ? [] : [{ seq: n.seq, ids }];
            });
            const got = received
              .filter((e) => !sentinelSeqs.has(e.payload.global_seq))
              .map((e) => ({ seq: e.payload.global_seq, ids: e.payload.objects.map((o) => o.id) }));
            // Never an unreadable object; nothing twice; nothing missing; in order.
            for (const { ids } of got) for (const id of ids) expect(decide(identity, id)).toBe(true);
            expect(got).toEqual(expected);
            expect(received.at(-1)?.payload.global_seq).toBe(lastSentinelFor(plan));
          }
          expect(events.stats().queued).toBe(0);
          events.close();
        },
      ),
      fuzzConfig(150),
    );
  });
});
