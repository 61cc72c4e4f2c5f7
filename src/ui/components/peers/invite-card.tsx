// Invite codes: an offer to give, an answer to take back, both as text and as a QR code; no server.
import { createSignal, onCleanup, Show, type JSX } from "solid-js";
import type { InviteOffer } from "../../../peering/peering.ts";
import type { PeerSummary } from "../../../rpc/node-api.ts";
import { inviteStatus } from "../../peer-status.ts";
import type { ShellError, ShellResult } from "../../node-client.ts";
import { useShell } from "../../shell-context.tsx";
import { ErrorNotice } from "../error-notice.tsx";

/** `#/peers?invite=<code>`: a scanned QR or a followed link fills in the invite. */
function inviteFromHash(): string {
  const query = location.hash.split("?")[1] ?? "";
  return new URLSearchParams(query).get("invite") ?? "";
}

function asShellError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): ShellError {
  return { code: error.code, category: "network", message: error.message, data: error.data ?? {} };
}

/** `peers`: the sessions the Peers page polls; the card follows the one its invite's link attached. */
export function InviteCard(props: { peers: () => readonly PeerSummary[] }): JSX.Element {
  const { peering } = useShell();
  const [links, setLinks] = createSignal(peering.links());
  onCleanup(peering.onChange(() => setLinks(peering.links())));
  /** The link an answer went into (either side): the status line follows it and its session. */
  const [followed, setFollowed] = createSignal<string>();
  const status = () => {
    const id = followed();
    if (id === undefined) return undefined;
    const link = links().find((l) => l.id === id);
    const sessionId = link?.sessionId ?? null;
    return inviteStatus(link, sessionId === null ? undefined : props.peers().find((p) => p.sessionId === sessionId));
  };
  const [offer, setOffer] = createSignal<InviteOffer>();
  const [answerIn, setAnswerIn] = createSignal("");
  const [inviteIn, setInviteIn] = createSignal(inviteFromHash());
  const [answerOut, setAnswerOut] = createSignal<{ answerCode: string; qrSvg: string; linkId: string }>();
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
                    const linkId = o().linkId;
                    void run(
                      () => peering.finishInvite(answer),
                      () => setFollowed(linkId),
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
                (v) => {
                  setAnswerOut(v);
                  setFollowed(v.linkId);
                },
              );
            }}
            data-testid="invite-accept"
          >
            Answer
          </button>
          <Show when={answerOut()}>
            {(a) => (
              <>
                <textarea readonly rows={4} value={a().answerCode} data-testid="answer-code" aria-label="Your answer code" />
                {/* eslint-disable-next-line solid/no-innerhtml -- the SVG is generated locally from our own code */}
                <div class="invite-qr" innerHTML={a().qrSvg} role="img" aria-label="Your answer as a QR code" data-testid="answer-qr" />
                <p class="panel__text">Give this answer back to the person who invited you: send the text, or let them scan the code.</p>
              </>
            )}
          </Show>
        </div>
      </div>
      <Show when={status()}>
        {(s) => (
          <p class="panel__text" role="status" data-testid="invite-status" data-state={s().state}>
            {s().text}
          </p>
        )}
      </Show>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} />}</Show>
    </section>
  );
}
