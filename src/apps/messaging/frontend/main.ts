// The Messages mini-app: conversations with the contacts the person picks; only participants read
// them. Every object of a conversation is owner-only by the package's acl.json until its author
// names the other participants as readers (`allowRead`), so sync hands it to them and nobody else.
// Written offline, it waits on this node and travels when the peers meet. Live via subscribe.
import { type AppClient, type PickedContact } from "../../sdk/index.ts";
import { h, nowIso, plainError, showNotice } from "../../ui-kit/index.ts";
import { readRows, startApp } from "../../ui-kit/start.ts";
import { conversations, nameOf, readersOf, STARTER, type Conversation } from "./conversations.ts";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

let me = "";
/** The node this frame's person syncs from, recorded in the conversation so the others can name it. */
let myNode: string | undefined;
let all: Conversation[] = [];
let openId: string | undefined;
let chosen: PickedContact[] = [];

async function refresh(app: AppClient): Promise<void> {
  try {
    const [threads, persons, items, seen] = await Promise.all([
      readRows(app, { target: "parent", type_key: "message.thread" }),
      readRows(app, { target: "parent", type_key: "message.person" }),
      readRows(app, { target: "parent", type_key: "message.item" }),
      readRows(app, { target: "parent", type_key: "message.seen" }),
    ]);
    const edges = await readRows(app, { target: "edge", type_key: "message.participant" });
    all = conversations({ threads, edges, persons, items, seen }, me);
  } catch (error) {
    const e = error as { code: string };
    return showNotice($("status"), plainError(e), e.code);
  }
  showNotice($("status"), all.length === 0 ? "No conversations yet. Start one below with someone from your contacts." : "");
  renderList(app);
  renderThread(app);
}

function renderList(app: AppClient): void {
  const list = $("threads");
  list.dataset["count"] = String(all.length);
  list.replaceChildren(
    ...all.map((c) => {
      const last = c.messages.at(-1);
      return h(
        "li",
        { "data-testid": "thread-row", "data-id": c.id, "data-unread": c.unread },
        h(
          "button",
          {
            type: "button",
            class: "thread-link",
            "aria-current": c.id === openId ? "true" : undefined,
            onclick: () => void open(app, c.id),
          },
          h(
            "span",
            { class: "grow" },
            h("strong", { dir: "auto" }, c.title),
            c.member ? null : h("span", { class: "muted", "data-testid": "not-member" }, " (you are not in it)"),
            h("br"),
            h("span", { class: "muted", dir: "auto" }, last === undefined ? "No messages yet" : last.body.slice(0, 60)),
          ),
          c.unread > 0
            ? h("span", { class: "badge", "data-testid": "unread" }, h("span", { class: "visually-hidden" }, "Unread: "), String(c.unread))
            : null,
        ),
      );
    }),
  );
}

function renderThread(app: AppClient): void {
  const c = all.find((x) => x.id === openId);
  $("thread").hidden = c === undefined;
  document.querySelector("main")!.classList.toggle("is-open", c !== undefined);
  if (c === undefined) return;
  $("thread").dataset["id"] = c.id;
  $("thread-title").textContent = c.title;
  const others =
    c.people
      .filter((p) => p.identityId !== me)
      .map((p) => p.name)
      .join(", ") || "nobody else";
  // Shared with me but not mine to write in: the box stays, so a try is refused in plain words.
  const between = c.people.map((p) => (p.name === STARTER ? "the person who started it" : p.name));
  $("people").textContent = c.member
    ? `With ${others}`
    : `Between ${between.length === 1 ? between[0] : `${between.slice(0, -1).join(", ")} and ${between.at(-1)}`}. You can read it, but you are not in it.`;
  const list = $("messages");
  list.dataset["count"] = String(c.messages.length);
  list.replaceChildren(
    ...c.messages.map((m) =>
      h(
        "li",
        { class: `message${m.author === me ? " message--mine" : ""}`, "data-testid": "message", "data-id": m.id },
        h("div", { class: "message__who", dir: "auto" }, nameOf(c, m.author, me)),
        h("p", { class: "message__body", dir: "auto" }, m.body),
      ),
    ),
  );
  if (c.messages.length === 0) list.append(h("li", { class: "empty" }, "No messages yet. Say hello."));
  if (c.unread > 0) void markSeen(app, c);
}

async function markSeen(app: AppClient, c: Conversation): Promise<void> {
  const seq = Math.max(...c.messages.map((m) => m.seq));
  await app.submit({
    domain: "seen",
    ops: [{ op: "parent_create", type_key: "message.seen", payload: { value: { thread_id: c.id, seen_seq: seq } } }],
  });
}

async function open(app: AppClient, id: string): Promise<void> {
  openId = id;
  showNotice($("send-error"), "");
  await refresh(app);
  $("body").focus();
}

function renderChosen(): void {
  $("chosen").replaceChildren(...chosen.map((p) => h("li", { dir: "auto", "data-testid": "chosen-person" }, p.name)));
}

async function addPerson(app: AppClient): Promise<void> {
  const picked = await app.pickContact();
  if (!picked.ok) return showNotice($("new-error"), plainError(picked.error), picked.error.code);
  if (picked.value.identityId === null)
    return showNotice($("new-error"), `${picked.value.name} has no identity id yet: add it in Contacts, then try again.`, "no_identity");
  if (picked.value.identityId !== me && !chosen.some((p) => p.identityId === picked.value.identityId)) chosen.push(picked.value);
  showNotice($("new-error"), "");
  renderChosen();
}

/** The other participants may read these objects of mine: the read rule sync honours. */
async function share(app: AppClient, objectIds: readonly string[], readers: readonly string[]): Promise<{ code: string } | undefined> {
  const allowed = await app.allowRead({ objectIds, readers });
  return allowed.ok ? undefined : allowed.error;
}

async function start(app: AppClient): Promise<void> {
  const title = ($<HTMLInputElement>("title").value.trim() || chosen.map((p) => p.name).join(", ")).slice(0, 120);
  if (chosen.length === 0) return showNotice($("new-error"), "Add at least one person to talk to.", "no_people");
  const now = nowIso();
  // My own name is not the app's to know: the others see me as the one who started the conversation.
  const people = [
    { identityId: me, nodeId: myNode, name: undefined },
    ...chosen.map((p) => ({ identityId: p.identityId!, nodeId: p.nodeIdentityId ?? undefined, name: p.name })),
  ];
  const ops = [
    {
      op: "parent_create",
      type_key: "message.thread",
      payload: { value: { title, created_at: now, created_by: me, visibility: "private" } },
    },
    ...people.map((p) => ({
      op: "parent_create",
      type_key: "message.person",
      payload: {
        value: {
          identity_id: p.identityId,
          ...(p.nodeId === undefined ? {} : { node_identity_id: p.nodeId }),
          ...(p.name === undefined ? {} : { display_name: p.name }),
        },
      },
    })),
    ...people.map((_, i) => ({
      op: "edge_create",
      type_key: "message.participant",
      payload: { src_parent_id: "@0", dst_parent_id: `@${i + 1}`, value: { role: i === 0 ? "admin" : "member", joined_at: now } },
    })),
  ];
  const written = await app.submit({ domain: "threads", ops });
  if (!written.ok) return showNotice($("new-error"), plainError(written.error), written.error.code);
  // Sync peers are nodes (ADR 0011): each participant is named with the node they sync from too.
  const readers = [...new Set(chosen.flatMap((p) => [p.identityId!, ...(p.nodeIdentityId == null ? [] : [p.nodeIdentityId])]))];
  const failed = await share(app, written.value.objectIds, readers);
  if (failed !== undefined) return showNotice($("new-error"), plainError(failed), failed.code);
  chosen = [];
  renderChosen();
  $<HTMLInputElement>("title").value = "";
  showNotice($("new-error"), "");
  await open(app, written.value.objectIds[0]!);
}

async function send(app: AppClient): Promise<void> {
  const c = all.find((x) => x.id === openId);
  const body = $<HTMLTextAreaElement>("body");
  if (c === undefined || body.value.trim() === "") return;
  // The app refuses first; the node refuses too (the thread reference must be visible to me).
  if (!c.member) return showNotice($("send-error"), plainError({ code: "ERR_NOT_PARTICIPANT" }), "ERR_NOT_PARTICIPANT");
  const value = { thread_id: c.id, body: body.value, sent_at: nowIso(), author_id: me, kind: "text" };
  const written = await app.submit({
    domain: "messages",
    ops: [
      { op: "parent_create", type_key: "message.item", payload: { value } },
      { op: "edge_create", type_key: "message.in", payload: { src_parent_id: "@0", dst_parent_id: c.id, value: {} } },
    ],
  });
  // Refused: nothing was written and the text stays in the box.
  if (!written.ok) return showNotice($("send-error"), plainError(written.error), written.error.code);
  const others = readersOf(c, me);
  const failed = others.length === 0 ? undefined : await share(app, written.value.objectIds, others);
  if (failed !== undefined) return showNotice($("send-error"), plainError(failed), failed.code);
  body.value = "";
  showNotice($("send-error"), "");
  await refresh(app);
}

void startApp({
  status: $("status"),
  wire: (app, who) => {
    me = who.identityId;
    myNode = who.nodeIdentityId;
    $("add-person").addEventListener("click", () => void addPerson(app));
    $("start").addEventListener("click", () => void start(app));
    $("send").addEventListener("click", () => void send(app));
    $("back").addEventListener("click", () => {
      openId = undefined;
      renderThread(app);
    });
  },
  refresh,
});
