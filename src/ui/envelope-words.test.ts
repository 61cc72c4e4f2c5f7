// Envelope texts in words, their objects for version history, and the grouping of identical rows.
import { describe, expect, it } from "vitest";
import { envelopeFacts, groupRuns, joinWords, nounOf } from "./envelope-words.ts";

const envelope = (ops: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    author_id: "id1",
    author_key: "ed25519:KEY",
    seq: 7,
    signature: "SIG",
    content: { app: "app.contacts", domain: "contacts", trace_id: "t1", deps: ["a", "b"], created_at: "2026-01-01T00:00:00Z", ops },
    ...extra,
  });

const contact = (name: string) => ({
  op: "parent_create",
  type_key: "contact.profile",
  payload: { value: { handle: "h", display_name: name } },
});

describe("envelope words", () => {
  it("says what a contact write did, with the contact's name", () => {
    expect(envelopeFacts(envelope([contact("Grace Hopper")]), "E1")?.words).toBe("Added contact Grace Hopper");
  });

  it("names an identity's genesis, an update and an unknown type plainly", () => {
    const facts = envelopeFacts(
      envelope([
        { op: "parent_create", type_key: "system.identity", payload: { value: { name: "Ann" } } },
        { op: "parent_update", type_key: "contact.profile", payload: { parent_id: "E0:0", value: { display_name: "Grace M. Hopper" } } },
        { op: "attr_create", type_key: "market.delivery_note", payload: { parent_id: "@0", value: 3 } },
      ]),
      "E1",
    );
    expect(facts?.ops.map((o) => o.words)).toEqual(["Created identity Ann", "Changed contact Grace M. Hopper", "Added delivery note"]);
    expect(facts?.words).toBe("Created identity Ann + 2 more");
  });

  it("lists the objects each op creates or changes, resolving @-references within the envelope", () => {
    const facts = envelopeFacts(
      envelope([
        contact("A"),
        { op: "parent_update", type_key: "contact.profile", payload: { parent_id: "@0", value: {} } },
        { op: "parent_update", type_key: "contact.profile", payload: { parent_id: "OLD:2", value: {} } },
      ]),
      "E9",
    );
    expect(facts?.ops.map((o) => o.objects)).toEqual([["E9:0"], ["E9:0"], ["OLD:2"]]);
  });

  it("reads the signing key, signature, chain place, deps and trace", () => {
    expect(envelopeFacts(envelope([contact("A")]), "E1")).toMatchObject({
      signingKey: "ed25519:KEY",
      signature: "SIG",
      chainSeq: 7,
      deps: 2,
      traceId: "t1",
    });
  });

  it("turns text that is not an envelope into nothing, and odd ops into plain words", () => {
    expect(envelopeFacts("not json", "E")).toBeNull();
    expect(envelopeFacts("[1]", "E")).toBeNull();
    expect(envelopeFacts(envelope([42, { op: 5 }]), "E")?.ops.map((o) => o.words)).toEqual(["A change", "A change"]);
    expect(joinWords([])).toBe("No changes");
  });

  it("cuts a very long name", () => {
    expect(envelopeFacts(envelope([contact("x".repeat(500))]), "E")?.words.length).toBe("Added contact ".length + 80);
  });

  it("has nouns for known types and the key's tail otherwise", () => {
    expect(nounOf("contact.profile")).toBe("contact");
    expect(nounOf("social.person")).toBe("person");
    expect(nounOf("plain")).toBe("plain");
  });

  it("groups runs of identical rows, keeping order, never rows apart", () => {
    expect(groupRuns(["a", "a", "b", "a", "a", "a"], (x) => x)).toEqual([["a", "a"], ["b"], ["a", "a", "a"]]);
    expect(groupRuns([], (x: string) => x)).toEqual([]);
  });
});
