// Installs the four built-in apps on a node that lacks them, through the same package path as any
// app (DESIGN D8). Stand-in until the marketplace issue (ADR 0006): the packages are signed by a
// publisher key this node generates once, uses for these envelopes and never stores.
import { buildEnvelope, createSigner, err, ok, type AppPackage, type Result, type Signer, type TwoWayNode } from "../src/core/index.ts";
import { contactsSchema, marketSchema, messagingSchema, socialSchema } from "../src/apps/index.ts";

export type BuiltInApp = {
  readonly schema: { readonly app: string; readonly version: string };
  readonly title: string;
  readonly description: string;
};

export const BUILT_IN_APPS: readonly BuiltInApp[] = [
  { schema: contactsSchema, title: "Contacts", description: "People you know, and how you know them." },
  { schema: messagingSchema, title: "Messages", description: "Conversations with the people you choose." },
  { schema: socialSchema, title: "Social", description: "Posts, comments and reactions among your contacts." },
  { schema: marketSchema, title: "Market", description: "Listings, offers and orders between people." },
];

export const STAND_IN_PUBLISHER_NAME = "Built-in apps (stand-in publisher)";

/** The publisher's genesis: a self-certifying identity (DESIGN §3), then one schema envelope per app. */
async function publisherGenesis(signer: Signer, createdAt: string) {
  return buildEnvelope(signer, {
    app: "system",
    domain: "identity",
    traceId: "built-in-publisher",
    seq: 1,
    prev: null,
    lamport: 0,
    createdAt,
    ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: STAND_IN_PUBLISHER_NAME } } }],
  });
}

/** Installs every built-in app this node has never installed; a removed app stays removed. */
export async function installBuiltInApps(node: TwoWayNode): Promise<Result<number>> {
  const known = new Set((await node.apps.list()).map((app) => app.slug));
  const missing = BUILT_IN_APPS.filter((app) => !known.has(app.schema.app));
  if (missing.length === 0) return ok(0);

  const createdAt = new Date().toISOString();
  const publisher = await createSigner();
  const genesis = await publisherGenesis(publisher, createdAt);
  if (!genesis.ok) return genesis;
  let prev = genesis.value.id;
  let seq = 1;
  for (const app of missing) {
    seq += 1;
    const schemaEnvelope = await buildEnvelope(publisher, {
      app: "system",
      domain: "apps",
      traceId: `built-in-${app.schema.app}`,
      seq,
      prev,
      lamport: seq - 1,
      createdAt,
      ops: [{ op: "parent_create", type_key: "system.app_schema", payload: { value: { schema: app.schema as never } } }],
    });
    if (!schemaEnvelope.ok) return schemaEnvelope;
    const pkg: AppPackage = {
      manifest: { slug: app.schema.app, version: app.schema.version, title: app.title },
      envelopes: [genesis.value.text, schemaEnvelope.value.text],
    };
    const installed = await node.apps.install(pkg);
    if (!installed.ok) return err(installed.error);
    prev = schemaEnvelope.value.id;
  }
  return ok(missing.length);
}
