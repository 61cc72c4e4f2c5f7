// The node end to end through its embedding API: identity, app install, write, read, digest.
import { describe, expect, it } from "vitest";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "./fixtures.ts";

describe("createNode", () => {
  it("creates an identity, installs an app, writes and reads a note", async () => {
    const { node } = await startNode();
    const me = expectOk(await node.identities.create({ name: "Ada" }), "identity");
    const publisher = await testPublisher();
    const app = expectOk(await node.apps.install(await publisher.package(NOTES_SCHEMA)), "install");
    expect(app).toMatchObject({ slug: "app.notes", state: "installed_enabled", localId: 1 });
    const session = expectOk(await node.openSession({ identityId: me.identityId, app: "app.notes" }), "session");
    const written = expectOk(
      await session.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Hello" } } }],
      }),
      "submit",
    );
    expect(written.status).toBe("accepted");
    const read = expectOk(await session.read({ target: "parent", type_key: "notes.note" }), "read");
    expect(read.rows).toHaveLength(1);
    expect(read.rows[0]).toMatchObject({ id: written.objectIds[0], value: { title: "Hello" }, owner_identity: me.identityId });
    expect(node.health().ready).toBe(true);
    const digest = await node.stateDigest();
    expect(digest.objects).toBeGreaterThan(2);
    await node.stop();
  });
});
