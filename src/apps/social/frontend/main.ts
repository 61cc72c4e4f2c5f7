// The Social mini-app: my profile, the people I follow (picked from my contacts), posts for all of
// them or for the ones I tick, comments and likes, and a feed of the people I follow. Posts, comments
// and likes are owner-only (acl.json) until their author names the readers (`allowRead`, identity
// and node ids), so sync hands them to those people alone. Live via subscribe. Through the SDK only.
import { type AppClient } from "../../sdk/index.ts";
import { h, nowIso, plainError, showNotice } from "../../ui-kit/index.ts";
import { readRows, startApp } from "../../ui-kit/start.ts";
import { Kept } from "../../ui-kit/kept.ts";
import { inSlices } from "../../ui-kit/rows.ts";
import { audience, DELETED, feed, following, profiles, readersUnder, type Feed, type Followed, type Post, type Profile } from "./feed.ts";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const value = (id: string): string => $<HTMLInputElement>(id).value;

let me = "";
let myNode: string | undefined;
let people: Followed[] = [];
let names = new Map<string, Profile>();
let shown: Feed = { following: [], others: [] };
const ticked = new Set<string>();
/** Comments being typed and refusals under each post, kept across the rebuild of every live update. */
const kept = new Kept();
const refuse = (post: Post, error: { code: string }): void => kept.say(`${post.id}/error`, plainError(error), error.code);

async function refresh(app: AppClient): Promise<void> {
  try {
    const [posts, comments, reactions, persons, profileRows] = await Promise.all([
      readRows(app, { target: "parent", type_key: "social.post" }),
      readRows(app, { target: "parent", type_key: "social.comment" }),
      readRows(app, { target: "rating", type_key: "social.reaction" }),
      readRows(app, { target: "parent", type_key: "social.person" }),
      readRows(app, { target: "parent", type_key: "social.profile" }),
    ]);
    people = following(persons, me);
    names = profiles(profileRows);
    shown = feed({ posts, comments, reactions, persons }, me);
  } catch (error) {
    const e = error as { code: string };
    return showNotice($("status"), plainError(e), e.code);
  }
  const empty = shown.following.length === 0 && shown.others.length === 0;
  showNotice($("status"), empty ? "Nothing here yet. Follow people from your contacts, then write the first post." : "");
  render(app);
}

const nameOf = (identityId: string): string =>
  identityId === me ? "You" : (names.get(identityId)?.name ?? people.find((p) => p.identityId === identityId)?.name ?? "Someone");

/** Lets these readers read these objects of mine, 16 at a time; the first refusal, if any. */
async function share(app: AppClient, objectIds: readonly string[], readers: readonly string[]): Promise<{ code: string } | undefined> {
  for (const slice of inSlices(readers)) {
    const allowed = await app.allowRead({ objectIds, readers: slice });
    if (!allowed.ok) return allowed.error;
  }
  return undefined;
}

function postItem(app: AppClient, post: Post): HTMLLIElement {
  const mine = post.author === me;
  const commentBox = kept.field(
    `${post.id}/comment`,
    h("input", { "aria-label": "Write a comment", dir: "auto", maxlength: 2000, "data-testid": "comment-body" }),
  );
  return h(
    "li",
    { "data-testid": "post", "data-id": post.id, "data-author": mine ? "me" : "other" },
    h("div", { class: "post__who", dir: "auto" }, nameOf(post.author)),
    h(
      "div",
      { class: "muted" },
      `${new Date(post.createdAt).toLocaleString()} · ${post.visibility === "private" ? "chosen people" : "people followed"}`,
    ),
    post.title === undefined ? null : h("strong", { dir: "auto" }, post.title),
    h("p", { class: "post__body", dir: "auto" }, post.body),
    h(
      "ul",
      { class: "comments", "aria-label": "Comments", "data-testid": "comments", "data-count": post.comments.length },
      ...post.comments.map((c) =>
        h(
          "li",
          { "data-testid": "comment" },
          h("strong", { dir: "auto" }, `${nameOf(c.author)}: `),
          h("span", { class: "comment__body", dir: "auto" }, c.body),
        ),
      ),
    ),
    kept.notice(`${post.id}/error`, "post-item-error"),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          type: "button",
          "data-testid": "like",
          "aria-pressed": post.likedByMe ? "true" : "false",
          onclick: () => void like(app, post),
        },
        `👍 ${post.likes}`,
      ),
      h("span", { class: "grow" }, commentBox),
      h("button", { type: "button", "data-testid": "comment-send", onclick: () => void comment(app, post) }, "Comment"),
      mine ? h("button", { type: "button", "data-testid": "delete-post", onclick: () => void remove(app, post) }, "Delete") : null,
    ),
  );
}

function render(app: AppClient): void {
  for (const [id, list, empty] of [
    ["feed", shown.following, "No posts from you or the people you follow yet."],
    ["others", shown.others, "Nothing from anyone else."],
  ] as const) {
    $(id).dataset["count"] = String(list.length);
    kept.replace(
      $(id),
      list.map((p) => postItem(app, p)),
    );
    if (list.length === 0) $(id).append(h("li", { class: "empty" }, empty));
  }
  $("people").dataset["count"] = String(people.length);
  $("people").replaceChildren(...people.map((p) => h("li", { dir: "auto", "data-testid": "person" }, p.name)));
  if (people.length === 0) $("people").append(h("li", { class: "empty" }, "You follow nobody yet."));
  $("choose").replaceChildren(
    ...people.map((p) =>
      h(
        "li",
        {},
        h(
          "label",
          { class: "inline" },
          h("input", {
            type: "checkbox",
            checked: ticked.has(p.identityId),
            "data-testid": "choose-person",
            onchange: (e: Event) => ((e.target as HTMLInputElement).checked ? ticked.add(p.identityId) : ticked.delete(p.identityId)),
          }),
          p.name,
        ),
      ),
    ),
  );
  const mine = names.get(me);
  if (mine !== undefined && document.activeElement?.id !== "profile-name" && value("profile-name") === "") {
    $<HTMLInputElement>("profile-name").value = mine.name;
    $<HTMLTextAreaElement>("profile-bio").value = mine.bio;
  }
}

async function publish(app: AppClient): Promise<void> {
  const body = value("post-body");
  const title = value("post-title").trim();
  const visibility = document.querySelector<HTMLInputElement>('input[name="visibility"]:checked')?.value ?? "followers";
  const chosen = visibility === "private" ? people.filter((p) => ticked.has(p.identityId)) : people;
  const readers = audience(chosen, me);
  if (body.trim() === "") return showNotice($("post-error"), "Write something first.", "empty");
  if (readers === undefined)
    return showNotice($("post-error"), "Choose who can read it: follow or tick at least one person (at most 16).", "no_readers");
  const post = {
    ...(title === "" ? {} : { title }),
    body,
    created_at: nowIso(),
    author_id: me,
    visibility,
    ...(myNode === undefined ? {} : { author_node_id: myNode }),
    readers,
  };
  const written = await app.submit({ domain: "feed", ops: [{ op: "parent_create", type_key: "social.post", payload: { value: post } }] });
  if (!written.ok) return showNotice($("post-error"), plainError(written.error), written.error.code);
  const failed = await share(app, written.value.objectIds, readers);
  if (failed !== undefined) return showNotice($("post-error"), plainError(failed), failed.code);
  $<HTMLTextAreaElement>("post-body").value = "";
  $<HTMLInputElement>("post-title").value = "";
  showNotice($("post-error"), "");
  await refresh(app);
}

/** A rating on the post, shared with everyone who reads it. */
async function rate(app: AppClient, post: Post, reaction: string): Promise<void> {
  const value = { value: reaction === DELETED ? 0 : 1, reaction, created_at: nowIso() };
  const written = await app.submit({
    domain: "feed",
    ops: [{ op: "rating_create", type_key: "social.reaction", payload: { target_parent_id: post.id, value } }],
  });
  if (!written.ok) return refuse(post, written.error);
  const readers = readersUnder(post, me);
  const failed = readers.length === 0 ? undefined : await share(app, written.value.objectIds, readers);
  if (failed !== undefined) return refuse(post, failed);
  kept.say(`${post.id}/error`, "");
  await refresh(app);
}

const like = (app: AppClient, post: Post) =>
  post.likedByMe ? kept.say(`${post.id}/error`, "You like this already.") : rate(app, post, "👍");

/** Deleting is my own "deleted" rating on my post: every reader's feed drops it; history keeps it. */
const remove = (app: AppClient, post: Post) => rate(app, post, DELETED);

async function comment(app: AppClient, post: Post): Promise<void> {
  const body = kept.value(`${post.id}/comment`);
  if (body.trim() === "") return;
  const value = { post_id: post.id, body, created_at: nowIso(), author_id: me };
  const written = await app.submit({ domain: "feed", ops: [{ op: "parent_create", type_key: "social.comment", payload: { value } }] });
  if (!written.ok) return refuse(post, written.error);
  const failed = await share(app, written.value.objectIds, readersUnder(post, me));
  if (failed !== undefined) return refuse(post, failed);
  kept.clear(`${post.id}/comment`);
  kept.say(`${post.id}/error`, "");
  await refresh(app);
}

async function saveProfile(app: AppClient): Promise<void> {
  const profile = {
    display_name: value("profile-name").trim(),
    bio: value("profile-bio"),
    ...(myNode === undefined ? {} : { node_identity_id: myNode }),
    updated_at: nowIso(),
  };
  const written = await app.submit({
    domain: "feed",
    ops: [{ op: "parent_create", type_key: "social.profile", payload: { value: profile } }],
  });
  if (!written.ok) return showNotice($("profile-error"), plainError(written.error), written.error.code);
  showNotice($("profile-error"), "Saved.");
  await refresh(app);
}

async function follow(app: AppClient): Promise<void> {
  const picked = await app.pickContact();
  if (!picked.ok) return showNotice($("follow-error"), plainError(picked.error), picked.error.code);
  const { identityId, nodeIdentityId, name } = picked.value;
  if (identityId === null)
    return showNotice($("follow-error"), `${name} has no identity id yet: add it in Contacts, then try again.`, "no_identity");
  if (identityId === me || people.some((p) => p.identityId === identityId))
    return showNotice($("follow-error"), `You follow ${name} already.`, "");
  const person = {
    identity_id: identityId,
    display_name: name.slice(0, 128),
    ...(nodeIdentityId == null ? {} : { node_identity_id: nodeIdentityId }),
  };
  const written = await app.submit({
    domain: "feed",
    ops: [{ op: "parent_create", type_key: "social.person", payload: { value: person } }],
  });
  if (!written.ok) return showNotice($("follow-error"), plainError(written.error), written.error.code);
  showNotice($("follow-error"), "");
  await refresh(app);
}

void startApp({
  status: $("status"),
  wire: (app, who) => {
    me = who.identityId;
    myNode = who.nodeIdentityId;
    $("publish").addEventListener("click", () => void publish(app));
    $("profile-save").addEventListener("click", () => void saveProfile(app));
    $("follow").addEventListener("click", () => void follow(app));
  },
  refresh,
});
