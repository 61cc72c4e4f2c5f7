// Peers: connect to other nodes through a relay room or an invite code, see each session's state
// and progress per domain, disconnect, and watch the DoS Guard's difficulty and admissions (ADR 0012).
import { createEffect, createResource, createSignal, For, onCleanup, Show, type JSX } from "solid-js";
import type { PeerSummary, StateDigestReport, SyncOverview } from "../../rpc/node-api.ts";
import type { InviteOffer, LinkInfo } from "../../peering/peering.ts";
import { ErrorNotice } from "../components/error-notice.tsx";
import { formatCount, shortId } from "../display-format.ts";
import type { ShellError, ShellResult } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ICE_SERVERS_KEY, savedIceServerUrls } from "../shell-peering.ts";

const REFRESH_MS = 1_000;
/** Refreshes between two digests while the graph keeps changing. */
const DIGEST_EVERY_TICKS = 3;
const DEFAULT_RELAY = "ws://127.0.0.1:8787";

/** `#/peers?invite=<code>`: a scanned QR or a followed link fills in the invite. */
function inviteFromHash(): string {
  const query = location.hash.split("?")[1] ?? "";
  return new URLSearchParams(query).get("invite") ?? "";
}

function asShellError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): ShellError {
  return { code: error.code, category: "network", message: error.message, data: error.data ?? {} };
}

function RelayCard(): JSX.Element {
  const { peering } = useShell();
  const [url, setUrl] = createSignal(DEFAULT_RELAY);
  const [room, setRoom] = createSignal("");
  const [error, setError] = createSignal<ShellError>();
  const [busy, setBusy] = createSignal(false);
  const [joined, setJoined] = createSignal(peering.currentRoom());
  onCleanup(peering.onChange(() => setJoined(peering.currentRoom())));
  async function join(): Promise<void> {
    setBusy(true);
    setError(undefined);
    const result = await peering.joinRoom(url().trim(), room().trim());
    if (!result.ok) setError(asShellError(result.error));
    setBusy(false);
  }
  return (
    <section class="card panel" aria-labelledby="relay-heading" data-testid="relay-card">
      <h2 id="relay-heading" class="panel__title">
        Meet in a relay room
      </h2>
      <p class="panel__text">
        Everyone in the same room connects to each other. The relay only passes connection offers along; each node checks who the other
        really is by its signed hello.
      </p>
      <Show
        when={joined()}
        fallback={
          <form
            class="form-row"
            onSubmit={(event) => {
              event.preventDefault();
              void join();
            }}
          >
            <label>
              Relay
              <input value={url()} onInput={(e) => setUrl(e.currentTarget.value)} data-testid="relay-url" />
            </label>
            <label>
              Room
              <input value={room()} onInput={(e) => setRoom(e.currentTarget.value)} placeholder="kitchen-table" data-testid="relay-room" />
            </label>
            <button type="submit" class="button" disabled={busy() || room().trim() === ""} data-testid="relay-join">
              Join
            </button>
          </form>
        }
      >
        {(current) => (
          <div class="actions actions--start">
            <span data-testid="relay-joined">
              In room <strong>{current().room}</strong> at {current().url}
            </span>
            <button type="button" class="button button--quiet" onClick={() => peering.leaveRoom()} data-testid="relay-leave">
              Leave
            </button>
          </div>
        )}
      </Show>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} />}</Show>
    </section>
  );
}

function InviteCard(): JSX.Element {
  const { peering } = useShell();
  const [offer, setOffer] = createSignal<InviteOffer>();
  const [answerIn, setAnswerIn] = createSignal("");
  const [inviteIn, setInviteIn] = createSignal(inviteFromHash());
  const [answerOut, setAnswerOut] = createSignal("");
  const [status, setStatus] = createSignal("");
  const [error, setError] = createSignal<ShellError>();
  async function run<T>(
    work: () => Promise<ShellResult<T> | { ok: false; error: ShellError } | { ok: true; value: T }>,
    done: (v: T) => void,
  ) {
    setError(undefined);
    const result = await work();
    if (result.ok) done(result.value);
    else setError(asShellError(result.error));
  }
  return (
    <section class="card panel" aria-labelledby="invite-heading" data-testid="invite-card">
      <h2 id="invite-heading" class="panel__title">
        Connect with an invite code
      </h2>
      <p class="panel__text">
        No server at all: give the other person your code (or let them scan it), then paste the answer they give back.
      </p>
      <div class="invite-grid">
        <div>
          <button type="button" class="button" onClick={() => void run(() => peering.createInvite(), setOffer)} data-testid="invite-create">
            Make an invite
          </button>
          <Show when={offer()}>
            {(o) => (
              <>
                <textarea readonly rows={4} value={o().code} data-testid="invite-code" aria-label="Your invite code" />
                {/* eslint-disable-next-line solid/no-innerhtml -- the SVG is generated locally from our own code */}
                <div class="invite-qr" innerHTML={o().qrSvg} role="img" aria-label="Your invite as a QR code" data-testid="invite-qr" />
                <label>
                  Their answer
                  <textarea rows={3} value={answerIn()} onInput={(e) => setAnswerIn(e.currentTarget.value)} data-testid="answer-input" />
                </label>
                <button
                  type="button"
                  class="button"
                  disabled={answerIn().trim() === ""}
                  onClick={() => {
                    const answer = answerIn();
                    void run(
                      () => peering.finishInvite(answer),
                      () => setStatus("Connecting…"),
                    );
                  }}
                  data-testid="answer-finish"
                >
                  Connect
                </button>
              </>
            )}
          </Show>
        </div>
        <div>
          <label>
            Got an invite? Paste it here
            <textarea rows={4} value={inviteIn()} onInput={(e) => setInviteIn(e.currentTarget.value)} data-testid="invite-input" />
          </label>
          <button
            type="button"
            class="button"
            disabled={inviteIn().trim() === ""}
            onClick={() => {
              const invite = inviteIn();
              void run(
                () => peering.acceptInvite(invite),
                (v) => setAnswerOut(v.answerCode),
              );
            }}
            data-testid="invite-accept"
          >
            Answer
          </button>
          <Show when={answerOut() !== ""}>
            <textarea readonly rows={4} value={answerOut()} data-testid="answer-code" aria-label="Your answer code" />
            <p class="panel__text">Give this answer back to the person who invited you.</p>
          </Show>
        </div>
      </div>
      <Show when={status() !== ""}>
        <p class="panel__text">{status()}</p>
      </Show>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} />}</Show>
    </section>
  );
}

/** STUN/TURN servers: none by default, so links work where the two devices can reach each other directly. */
function NetworkCard(): JSX.Element {
  const [text, setText] = createSignal(savedIceServerUrls().join(" "));
  const [saved, setSaved] = createSignal(savedIceServerUrls());
  return (
    <details class="card panel" data-testid="network-card">
      <summary class="panel__title">Network settings</summary>
      <p class="panel__text">
        By default no STUN or TURN server is asked, so no third party learns that you connect; links then work where both devices can reach
        each other (same network). Add servers (for example <code>stun:stun.example.invalid:3478</code>) to connect across networks. New
        links use them.
      </p>
      <form
        class="form-row"
        onSubmit={(event) => {
          event.preventDefault();
          localStorage.setItem(ICE_SERVERS_KEY, text());
          setSaved(savedIceServerUrls());
        }}
      >
        <label>
          STUN/TURN URLs
          <input value={text()} onInput={(e) => setText(e.currentTarget.value)} placeholder="none" data-testid="ice-servers" />
        </label>
        <button type="submit" class="button">
          Save
        </button>
      </form>
      <p class="panel__text" data-testid="ice-servers-saved">
        {saved().length === 0 ? "No servers: direct links only." : `Using ${saved().join(", ")}`}
      </p>
    </details>
  );
}

function PeerRow(props: { peer: PeerSummary; link: LinkInfo | undefined; onDisconnect: () => void }): JSX.Element {
  return (
    <li class="peer" data-testid="peer-row" data-state={props.peer.state} data-session={props.peer.sessionId}>
      <div class="peer__head">
        <strong dir="auto">{props.peer.label}</strong>
        <span class={`badge badge--${props.peer.state}`} data-testid="peer-state">
          {props.peer.state}
        </span>
        <span class="peer__via">via {props.peer.via}</span>
        <Show when={props.peer.state !== "closed"}>
          <button type="button" class="button button--quiet" onClick={() => props.onDisconnect()} data-testid="peer-disconnect">
            Disconnect
          </button>
        </Show>
      </div>
      <p class="peer__identity" data-testid="peer-identity">
        {props.peer.peerIdentity === null ? "identity not proven yet" : `node ${shortId(props.peer.peerIdentity, 12)}`}
      </p>
      <Show when={props.peer.domains.length > 0}>
        <table class="peer__domains">
          <thead>
            <tr>
              <th>Domain</th>
              <th>Received up to</th>
              <th>They have ours up to</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.peer.domains}>
              {(d) => (
                <tr data-testid="peer-domain">
                  <td>{d.domain}</td>
                  <td>{formatCount(d.received)}</td>
                  <td>{formatCount(d.acked)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={props.peer.state !== "closed" || props.peer.progress.total > 0}>
        <p
          class="peer__progress"
          data-testid="peer-progress"
          data-done={props.peer.progress.done}
          data-total={props.peer.progress.total}
          data-up-to-date={String(props.peer.upToDate)}
        >
          {props.peer.upToDate
            ? "Up to date"
            : `${formatCount(props.peer.progress.done)} of ${formatCount(props.peer.progress.total)} changes`}
        </p>
      </Show>
      <p class="peer__counts">
        {formatCount(props.peer.packagesIn)} packages in · {formatCount(props.peer.packagesOut)} out
        <Show when={props.link}>{(l) => <> · link {l().phase}</>}</Show>
      </p>
      <Show when={props.peer.lastError}>
        {(e) => (
          <p class="peer__error" data-testid="peer-error">
            Last error: <code>{e().code}</code> {e().message}
          </p>
        )}
      </Show>
      <Show when={props.peer.closeReason}>
        {(r) => (
          <p class="peer__closed" data-testid="peer-close-reason">
            Closed: {r()}
          </p>
        )}
      </Show>
    </li>
  );
}

export function PeersPage(): JSX.Element {
  const shell = useShell();
  const [tick, setTick] = createSignal(0);
  const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const [links, setLinks] = createSignal(shell.peering.links());
  onCleanup(shell.peering.onChange(() => setLinks(shell.peering.links())));
  const [overview] = createResource(
    () => tick() + 1,
    (): Promise<ShellResult<SyncOverview>> => shell.connection.call("syncOverview"),
  );
  const latest = () => {
    const value = overview.latest;
    return value?.ok ? value.value : undefined;
  };
  // The digest hashes every object: recompute it only when global_seq moved, at most every few
  // seconds, so an open Peers page does not compete with a large sync.
  const [digestSeq, setDigestSeq] = createSignal<number>();
  let digestAt = Number.NEGATIVE_INFINITY;
  createEffect(() => {
    const seq = latest()?.globalSeq;
    if (seq === undefined || seq === digestSeq() || tick() - digestAt < DIGEST_EVERY_TICKS) return;
    digestAt = tick();
    setDigestSeq(seq);
  });
  const [digest] = createResource(digestSeq, (): Promise<ShellResult<StateDigestReport>> => shell.connection.call("stateDigest"));
  const linkOf = (sessionId: string) => links().find((l) => l.sessionId === sessionId);

  return (
    <main class="content" data-testid="peers-page">
      <h1 class="page-title">Peers</h1>
      <section class="card panel" aria-labelledby="me-heading">
        <h2 id="me-heading" class="panel__title">
          This node
        </h2>
        <Show when={latest()}>
          {(o) => (
            <p class="panel__text" data-testid="node-identity">
              Node {shortId(o().nodeIdentity, 12)}
            </p>
          )}
        </Show>
        <Show when={digest.latest?.ok ? digest.latest.value : undefined}>
          {(d) => (
            <p class="digest" data-testid="peers-digest" data-digest={d().digest}>
              State digest <code title={d().digest}>{shortId(d().digest, 16)}</code> · {formatCount(d().objects)} objects
            </p>
          )}
        </Show>
        <Show when={latest()}>
          {(o) => (
            <p class="panel__text" data-testid="guard-stats" data-difficulty={o().guard.difficulty} data-admissions={o().guard.admissions}>
              Puzzle difficulty <strong>{o().guard.difficulty}</strong> bits · {formatCount(o().guard.admissions)} admitted ·{" "}
              {formatCount(o().guard.challenges)} challenged · {formatCount(o().guard.denials)} refused ·{" "}
              {formatCount(o().guard.failedSolutions)} wrong solutions
            </p>
          )}
        </Show>
      </section>
      <RelayCard />
      <InviteCard />
      <NetworkCard />
      <section class="card panel" aria-labelledby="peers-heading">
        <h2 id="peers-heading" class="panel__title">
          Sessions
        </h2>
        <Show when={(latest()?.peers.length ?? 0) > 0} fallback={<p class="panel__text">No peers yet.</p>}>
          <ul class="peer-list" data-testid="peer-list">
            <For each={latest()?.peers ?? []}>
              {(peer) => (
                <PeerRow
                  peer={peer}
                  link={linkOf(peer.sessionId)}
                  onDisconnect={() => void shell.connection.call("syncDetach", { sessionId: peer.sessionId })}
                />
              )}
            </For>
          </ul>
        </Show>
        <Show when={!overview.latest?.ok && overview.latest}>{(r) => <ErrorNotice error={(r() as { error: ShellError }).error} />}</Show>
      </section>
    </main>
  );
}
