// One sync session as a person sees it: who (the person whose binding names the node its hello
// proved, ADR 0030, else the name given to that node), what
// state in words, one progress bar, red only when something needs them; the protocol's figures
// (per-domain cursors, packages, recovered errors, close codes) behind "Details".
import { createSignal, For, Show, type JSX } from "solid-js";
import type { LinkInfo } from "../../../peering/peering.ts";
import type { PeerSummary } from "../../../rpc/node-api.ts";
import { formatCount } from "../../display-format.ts";
import { closeWords, needsAttention, peerCountsParts, peerIdentityParts, peerTitle, STATE_WORDS } from "../../peer-status.ts";
import type { KnownPeer } from "../../remembered-peers.ts";
import { Avatar } from "../avatar.tsx";
import { SeparatedParts } from "../separated-parts.tsx";
import { PeerProgressBar } from "./peer-progress.tsx";

function tone(peer: PeerSummary): string {
  if (needsAttention(peer)) return "error";
  if (peer.state === "live") return "ok";
  return peer.state === "closed" ? "neutral" : "pending";
}

function NameForm(props: { onName: (name: string) => void }): JSX.Element {
  const [name, setName] = createSignal("");
  return (
    <form
      class="form-row peer__name-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (name().trim() !== "") props.onName(name());
      }}
    >
      <label>
        Who is this? Name them to recognise this device next time
        <input value={name()} onInput={(e) => setName(e.currentTarget.value)} maxLength={64} data-testid="peer-name-input" />
      </label>
      <button type="submit" class="button button--quiet" disabled={name().trim() === ""} data-testid="peer-name-save">
        Save name
      </button>
    </form>
  );
}

function PeerDetails(props: { peer: PeerSummary; link: LinkInfo | undefined }): JSX.Element {
  return (
    <details class="peer__details" data-testid="peer-details">
      <summary>Details</summary>
      <p class="peer__identity" data-testid="peer-identity">
        <SeparatedParts parts={peerIdentityParts(props.peer)} />
      </p>
      <Show when={props.peer.domains.length > 0}>
        <table class="peer__domains">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Received up to</th>
              <th scope="col">They have ours up to</th>
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
      <p class="peer__counts">
        <SeparatedParts parts={peerCountsParts(props.peer, props.link?.phase)} />
      </p>
      <Show when={props.peer.lastError}>
        {(e) => (
          <p class="peer__counts" data-testid="peer-last-error" data-code={e().code}>
            Last protocol event (recovered): <code>{e().code}</code> {e().message}
          </p>
        )}
      </Show>
    </details>
  );
}

export function PeerCard(props: {
  peer: PeerSummary;
  link: LinkInfo | undefined;
  known: KnownPeer | undefined;
  onDisconnect: () => void;
  onName: (name: string) => void;
}): JSX.Element {
  const name = () => props.known?.name ?? null;
  const who = () => peerTitle(props.peer, name());
  return (
    <li
      class="peer"
      data-testid="peer-row"
      data-state={props.peer.state}
      data-session={props.peer.sessionId}
      data-attention={String(needsAttention(props.peer))}
    >
      <div class="peer__head">
        <Avatar id={who().avatarId} name={who().avatarName} />
        <div class="peer__who">
          <strong dir="auto" data-testid="peer-name" data-shown-as={who().shownAs}>
            {who().title}
          </strong>
          <span class="peer__via">{props.peer.via === "relay" ? "met in the relay room" : "connected by invite"}</span>
        </div>
        <span class={`pill pill--${tone(props.peer)}`} data-testid="peer-state">
          <span class="pill__dot" aria-hidden="true" />
          {STATE_WORDS[props.peer.state]}
        </span>
        <Show when={props.peer.state !== "closed"}>
          <button type="button" class="button button--quiet" onClick={() => props.onDisconnect()} data-testid="peer-disconnect">
            Disconnect
          </button>
        </Show>
      </div>
      <Show when={props.peer.state !== "closed"}>
        <PeerProgressBar peer={props.peer} />
      </Show>
      <Show when={props.peer.state === "closed"}>
        <p class={needsAttention(props.peer) ? "peer__error" : "peer__closed"} data-testid="peer-ended">
          {closeWords(props.peer.closeReason)}
        </p>
        <Show when={props.peer.closeReason}>
          {(r) => (
            <p class="peer__counts" data-testid="peer-close-reason">
              Closed: {r()}
            </p>
          )}
        </Show>
      </Show>
      <Show when={who().shownAs === "unnamed" && props.peer.state !== "closed"}>
        <NameForm onName={(n) => props.onName(n)} />
      </Show>
      <PeerDetails peer={props.peer} link={props.link} />
    </li>
  );
}
