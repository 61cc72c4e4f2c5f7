// The Social app's rules over read rows: only the author's own "deleted" rating hides a post (the
// post stays in the rows, history), the feed holds me and the people I follow, one like per person,
// comments in the convergence order by their own authors, and a post's audience stays bounded.
import { describe, expect, it } from "vitest";
import { row } from "../../ui-kit/test-support/rows.ts";
import { audience, DELETED, feed, following, MAX_READERS, profiles, readersUnder } from "./feed.ts";

const at = (s: number) => `2026-12-01T10:00:0${s}.000Z`;
const post = (id: string, owner: string, s: number, extra: Record<string, unknown> = {}) =>
  row(id, owner, { body: `${id} — مرحبا 🎉`, created_at: at(s), author_id: owner, readers: ["ben", "benNode"], ...extra });
const rating = (id: string, owner: string, target: string, reaction: string, value = 1) =>
  row(id, owner, { value, reaction, created_at: at(0) }, { parent_id: target });
const persons = [row("p:0", "ann", { identity_id: "ben", node_identity_id: "benNode", display_name: "Ben" })];

describe("social feed", () => {
  it("drops a post its author rated deleted, and only then", () => {
    const posts = [post("a:0", "ann", 1), post("b:0", "ben", 2)];
    const reactions = [rating("r:0", "ann", "a:0", DELETED, 0), rating("r:1", "ann", "b:0", DELETED, 0)];
    const { following: shown } = feed({ posts, comments: [], reactions, persons }, "ann");
    // Ann's own post is gone; her "deleted" rating on Ben's post changes nothing.
    expect(shown.map((p) => p.id)).toEqual(["b:0"]);
    expect(feed({ posts, comments: [], reactions: [], persons }, "ann").following.map((p) => p.id)).toEqual(["b:0", "a:0"]);
  });

  it("holds me and the people I follow; others apart; a post claiming someone else's authorship nowhere", () => {
    const posts = [post("a:0", "ann", 1), post("b:0", "ben", 2), post("c:0", "cal", 3), post("x:0", "cal", 4, { author_id: "ann" })];
    const { following: mine, others } = feed({ posts, comments: [], reactions: [], persons }, "ann");
    expect(mine.map((p) => p.id)).toEqual(["b:0", "a:0"]);
    expect(others.map((p) => p.id)).toEqual(["c:0"]);
  });

  it("counts one like per person and orders comments by (created_at, id), by their own authors only", () => {
    const posts = [post("a:0", "ann", 1)];
    const reactions = [rating("r:0", "ben", "a:0", "👍"), rating("r:1", "ben", "a:0", "👍"), rating("r:2", "cal", "a:0", "👍", 0)];
    const comments = [
      row("c:2", "ben", { post_id: "a:0", body: "second", created_at: at(3), author_id: "ben" }),
      row("c:1", "cal", { post_id: "a:0", body: "first", created_at: at(2), author_id: "cal" }),
      row("c:3", "cal", { post_id: "a:0", body: "forged", created_at: at(1), author_id: "ben" }),
    ];
    const [p] = feed({ posts, comments, reactions, persons }, "ben").others;
    expect(p!.likes).toBe(1);
    expect(p!.likedByMe).toBe(true);
    expect(p!.comments.map((c) => c.body)).toEqual(["first", "second"]);
  });

  it("follows only my own person records, once each; a profile is its owner's own, newest wins", () => {
    const rows = [
      ...persons,
      row("p:1", "ann", { identity_id: "ben" }),
      row("p:2", "cal", { identity_id: "dan" }),
      row("p:3", "ann", { identity_id: "ann" }),
    ];
    expect(following(rows, "ann").map((f) => f.identityId)).toEqual(["ben"]);
    const names = profiles([
      row("f:0", "ann", { display_name: "Old", updated_at: at(1) }),
      row("f:1", "ann", { display_name: "آن Ann", updated_at: at(2) }),
    ]);
    expect(names.get("ann")!.name).toBe("آن Ann");
  });

  it("names identity and node of each chosen person, refuses none or too many, and shares a comment with the post's readers", () => {
    const people = following(persons, "ann");
    expect(audience(people, "ann")).toEqual(["ben", "benNode"]);
    expect(audience([], "ann")).toBeUndefined();
    const many = Array.from({ length: MAX_READERS / 2 + 1 }, (_, i) => ({ id: `p${i}`, identityId: `i${i}`, nodeId: `n${i}`, name: "x" }));
    expect(audience(many, "ann")).toBeUndefined();
    const [p] = feed(
      { posts: [post("a:0", "ann", 1, { author_node_id: "annNode" })], comments: [], reactions: [], persons },
      "ann",
    ).following;
    expect(readersUnder(p!, "ben")).toEqual(["ann", "annNode", "benNode"]);
  });
});
