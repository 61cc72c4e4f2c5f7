// The Messages app's rules over read rows: messages in the convergence order whatever the arrival,
// only participants' messages count, unread is what arrived after the seen mark.
import { describe, expect, it } from "vitest";
import { row } from "../../ui-kit/test-support/rows.ts";
import { conversations } from "./conversations.ts";

const threads = [row("t:0", "ann", { title: "Plans" })];
const persons = [row("t:1", "ann", { identity_id: "ann" }), row("t:2", "ann", { identity_id: "ben", display_name: "Ben" })];
const edges = [row("t:3", "ann", {}, { parent_id: "t:0", dst_id: "t:1" }), row("t:4", "ann", {}, { parent_id: "t:0", dst_id: "t:2" })];
const item = (id: string, owner: string, at: string, seq: number) =>
  row(id, owner, { thread_id: "t:0", body: id }, { created_at: `2026-12-01T10:00:0${at}.000Z`, global_seq: seq });

describe("conversations", () => {
  it("orders messages by (created_at, id), not by arrival, and drops non-participants' messages", () => {
    const items = [item("m2:0", "ben", "2", 5), item("m1:0", "ann", "1", 9), item("m0:0", "cal", "0", 2), item("m3:0", "ben", "2", 3)];
    const [c] = conversations({ threads, edges, persons, items, seen: [] }, "ann");
    expect(c!.messages.map((m) => m.id)).toEqual(["m1:0", "m2:0", "m3:0"]);
    expect(c!.unread).toBe(2);
  });

  it("counts unread after the seen mark, and marks a thread shared with a non-participant as not theirs to write in", () => {
    const items = [item("m1:0", "ben", "1", 4), item("m2:0", "ben", "2", 8)];
    const seen = [row("s:0", "ann", { thread_id: "t:0", seen_seq: 4 })];
    const [ann] = conversations({ threads, edges, persons, items, seen }, "ann");
    expect(ann).toMatchObject({ unread: 1, member: true });
    // Cal reads it only if Ann's node shared it with him; he is still not one of its people.
    const [cal] = conversations({ threads, edges, persons, items, seen: [] }, "cal");
    expect(cal).toMatchObject({ member: false, unread: 2 });
  });

  it("takes participants only from the thread owner's edges and persons, so nobody adds themselves", () => {
    const calPerson = row("c:1", "cal", { identity_id: "cal", display_name: "Cal" });
    const calEdge = row("c:2", "cal", {}, { parent_id: "t:0", dst_id: "c:1" });
    const [c] = conversations({ threads, edges: [...edges, calEdge], persons: [...persons, calPerson], items: [], seen: [] }, "cal");
    expect(c).toMatchObject({ member: false });
    expect(c!.people.map((p) => p.identityId)).toEqual(["ann", "ben"]);
  });
});
