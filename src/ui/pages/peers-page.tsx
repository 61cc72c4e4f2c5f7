// Peers: connect to other nodes through a relay room (remembered, rejoined by itself) or an invite
// code, see each session in plain words with one progress bar, and the DoS Guard's figures (ADR 0012).
import { createEffect, createResource, createSignal, For, onCleanup, Show, type JSX } from "solid-js";
import type { StateDigestReport, SyncOverview } from "../../rpc/node-api.ts";
import { ErrorNotice } from "../components/error-notice.tsx";
import { InviteCard } from "../components/peers/invite-card.tsx";
import { NetworkCard } from "../components/peers/network-card.tsx";
import { PeerCard } from "../components/peers/peer-card.tsx";
import { RelayCard } from "../components/peers/relay-card.tsx";
import { SeparatedParts } from "../components/separated-parts.tsx";
import { formatCount, shortId } from "../display-format.ts";
import type { ShellError, ShellResult } from "../node-client.ts";
import { createPeersRefresh, createThrottle } from "../peers-refresh.ts";
import { loadKnownPeers, namePeer, rememberPeer } from "../remembered-peers.ts";
import { useShell } from "../shell-context.tsx";

/** The digest hashes every object: at most once in this long while the graph keeps changing. */
const DIGEST_EVERY_MS = 3_000;

export function PeersPage(): JSX.Element {
  const shell = useShell();
  const [links, setLinks] = createSignal(shell.peering.links());
  // Re-read on the node's events (peers-refresh.ts): a commit moves `revision`, a link moves
  // peering.onChange, a session's step moves connection.onSyncChange; a slow safety net besides.
  const [asked, setAsked] = createSignal(0);
  const reread = () => setAsked((n) => n + 1);
  const onEvents = (listener: () => void) => {
    const offLinks = shell.peering.onChange(() => {
      setLinks(shell.peering.links());
      listener();
    });
    const offSync = shell.connection.onSyncChange(listener);
    return () => {
      offLinks();
      offSync();
    };
  };
  const refresh = createPeersRefresh(onEvents, reread);
  onCleanup(() => refresh.close());
  const [overview] = createResource(
    () => [shell.connection.revision(), asked()] as const,
    (): Promise<ShellResult<SyncOverview>> => shell.connection.call("syncOverview"),
  );
  createEffect(() => {
    const value = overview.latest;
    if (value !== undefined) refresh.read(value.ok ? value.value.peers : null);
  });
  const latest = () => {
    const value = overview.latest;
    return value?.ok ? value.value : undefined;
  };
  // The digest: recompute it only when global_seq moved, at most every few seconds, so an open
  // Peers page does not compete with a large sync; once more after the last move.
  const [digestSeq, setDigestSeq] = createSignal<number>();
  let movedTo: number | undefined;
  const digestSoon = createThrottle(() => setDigestSeq(movedTo), DIGEST_EVERY_MS);
  onCleanup(() => digestSoon.cancel());
  createEffect(() => {
    const seq = latest()?.globalSeq;
    if (seq === undefined || seq === digestSeq()) return;
    movedTo = seq;
    digestSoon.call();
  });
  const [digest] = createResource(digestSeq, (): Promise<ShellResult<StateDigestReport>> => shell.connection.call("stateDigest"));
  const linkOf = (sessionId: string) => links().find((l) => l.sessionId === sessionId);
  // Nodes whose hello proved them are remembered, with the name the person gives them.
  const [known, setKnown] = createSignal(loadKnownPeers());
  const seen = new Set<string>();
  createEffect(() => {
    for (const peer of latest()?.peers ?? []) {
      if (peer.peerIdentity === null || seen.has(peer.peerIdentity)) continue;
      seen.add(peer.peerIdentity);
      setKnown(rememberPeer(peer.peerIdentity, new Date().toISOString()));
    }
  });
  const knownOf = (identity: string | null) => known().find((k) => k.nodeIdentity === identity);

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
              <SeparatedParts
                parts={[
                  d().digest !== "" && (
                    <>
                      State digest <code title={d().digest}>{shortId(d().digest, 16)}</code>
                    </>
                  ),
                  `${formatCount(d().objects)} objects`,
                ]}
              />
            </p>
          )}
        </Show>
        <Show when={latest()}>
          {(o) => (
            <details class="peer__details">
              <summary>Connection guard</summary>
              <p
                class="panel__text"
                data-testid="guard-stats"
                data-difficulty={o().guard.difficulty}
                data-admissions={o().guard.admissions}
              >
                New connections solve a small puzzle first, so no one can flood this node. Puzzle difficulty{" "}
                <strong>{o().guard.difficulty}</strong> bits · {formatCount(o().guard.admissions)} admitted ·{" "}
                {formatCount(o().guard.challenges)} challenged · {formatCount(o().guard.denials)} refused ·{" "}
                {formatCount(o().guard.failedSolutions)} wrong solutions
              </p>
            </details>
          )}
        </Show>
      </section>
      <section class="card panel" aria-labelledby="peers-heading">
        <h2 id="peers-heading" class="panel__title">
          Who you sync with
        </h2>
        <Show when={(latest()?.peers.length ?? 0) > 0} fallback={<p class="panel__text">No one yet: join a room or make an invite.</p>}>
          <ul class="peer-list" data-testid="peer-list">
            <For each={latest()?.peers ?? []}>
              {(peer) => (
                <PeerCard
                  peer={peer}
                  link={linkOf(peer.sessionId)}
                  known={knownOf(peer.peerIdentity)}
                  onDisconnect={() => void shell.connection.call("syncDetach", { sessionId: peer.sessionId }).then(reread)}
                  onName={(name) => peer.peerIdentity !== null && setKnown(namePeer(peer.peerIdentity, name))}
                />
              )}
            </For>
          </ul>
        </Show>
        <Show when={!overview.latest?.ok && overview.latest}>{(r) => <ErrorNotice error={(r() as { error: ShellError }).error} />}</Show>
      </section>
      <RelayCard />
      <InviteCard peers={() => latest()?.peers ?? []} />
      <NetworkCard />
    </main>
  );
}
