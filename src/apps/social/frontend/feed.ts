// The Social app's pure part: profiles, the people I follow, and the feed built from the node's rows.
// Deleting a post is the design set's rating suppression: the author rates their own post with the
// reaction "deleted"; reads drop it, the post stays in history. Nobody else's rating hides a post.
import { byConvergence, field, readersOf, text, type Row } from "../../ui-kit/rows.ts";

export const DELETED = "deleted";
/** A post may name at most this many readers (identity and node ids): the schema's bound. */
export const MAX_READERS = 32;

export type Profile = { readonly name: string; readonly bio: string; readonly nodeId: string | undefined };
export type Followed = { readonly id: string; readonly identityId: string; readonly nodeId: string | undefined; readonly name: string };
export type Comment = { readonly id: string; readonly author: string; readonly body: string; readonly createdAt: string };
export type Post = {
  readonly id: string;
  readonly author: string;
  readonly authorNode: string | undefined;
  readonly title: string | undefined;
  readonly body: string;
  readonly createdAt: string;
  readonly visibility: string;
  readonly readers: readonly string[];
  readonly comments: readonly Comment[];
  readonly likes: number;
  readonly likedByMe: boolean;
};
export type Feed = { readonly following: readonly Post[]; readonly others: readonly Post[] };

/** Each person's own profile (a profile written by anyone else about them does not count); newest wins. */
export function profiles(rows: readonly Row[]): Map<string, Profile> {
  const out = new Map<string, Profile & { at: string }>();
  for (const row of rows) {
    const at = text(row, "updated_at") ?? row.created_at;
    const had = out.get(row.owner_identity);
    if (had !== undefined && had.at > at) continue;
    out.set(row.owner_identity, {
      name: text(row, "display_name") ?? "Someone",
      bio: text(row, "bio") ?? "",
      nodeId: text(row, "node_identity_id"),
      at,
    });
  }
  return new Map([...out].map(([id, { name, bio, nodeId }]) => [id, { name, bio, nodeId }]));
}

/** The people I follow: my own person records, one per identity, not me. */
export function following(persons: readonly Row[], me: string): Followed[] {
  const seen = new Map<string, Followed>();
  for (const p of [...persons].sort((a, b) => a.global_seq - b.global_seq)) {
    const identityId = text(p, "identity_id");
    if (p.owner_identity !== me || identityId === undefined || identityId === me || seen.has(identityId)) continue;
    seen.set(identityId, { id: p.id, identityId, nodeId: text(p, "node_identity_id"), name: text(p, "display_name") ?? "Someone" });
  }
  return [...seen.values()];
}

/** Who may read a post for these people (all I follow, or the ones chosen), within the schema's bound. */
export function audience(people: readonly Followed[], me: string): string[] | undefined {
  const readers = readersOf(people, me);
  return readers.length === 0 || readers.length > MAX_READERS ? undefined : readers;
}

/** Who may read what I add under a post (a comment, a like): its author and everyone it was shared with. */
export function readersUnder(post: Post, me: string): string[] {
  return [...new Set([post.author, ...(post.authorNode === undefined ? [] : [post.authorNode]), ...post.readers])].filter(
    (id) => id !== me,
  );
}

export function feed(
  rows: { posts: readonly Row[]; comments: readonly Row[]; reactions: readonly Row[]; persons: readonly Row[] },
  me: string,
): Feed {
  const followed = new Set([me, ...following(rows.persons, me).map((f) => f.identityId)]);
  const owners = new Map(rows.posts.map((p) => [p.id, p.owner_identity]));
  // A post is deleted by its author's own "deleted" rating only.
  const deleted = new Set(
    rows.reactions
      .filter((r) => text(r, "reaction") === DELETED && owners.get(r.parent_id ?? "") === r.owner_identity)
      .map((r) => r.parent_id),
  );
  const likes = rows.reactions.filter((r) => text(r, "reaction") !== DELETED && Number(field(r, "value")) > 0);
  const posts = rows.posts
    .filter((p) => !deleted.has(p.id) && text(p, "author_id") === p.owner_identity)
    .map((p): Post => {
      const likers = new Set(likes.filter((r) => r.parent_id === p.id).map((r) => r.owner_identity));
      return {
        id: p.id,
        author: p.owner_identity,
        authorNode: text(p, "author_node_id"),
        title: text(p, "title"),
        body: text(p, "body") ?? "",
        createdAt: text(p, "created_at") ?? p.created_at,
        visibility: text(p, "visibility") ?? "public",
        readers: (field(p, "readers") as string[] | undefined) ?? [],
        comments: rows.comments
          .filter((c) => text(c, "post_id") === p.id && text(c, "author_id") === c.owner_identity)
          .map((c) => ({
            id: c.id,
            author: c.owner_identity,
            body: text(c, "body") ?? "",
            createdAt: text(c, "created_at") ?? c.created_at,
          }))
          .sort(byConvergence),
        likes: likers.size,
        likedByMe: likers.has(me),
      };
    })
    .sort((a, b) => -byConvergence(a, b));
  return { following: posts.filter((p) => followed.has(p.author)), others: posts.filter((p) => !followed.has(p.author)) };
}
