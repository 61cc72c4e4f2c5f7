// The new device's side of pairing (ADR 0025, ADR 0031): it meets the other device through a relay
// room or, with no server, by an invite offer inside its pairing code; it shows that code (text and
// QR), then the confirm code once the other device connects, and becomes that identity when the
// binding arrives. A reload comes back to the same pairing. Nothing here is trusted: the node checks it.
import { createEffect, createResource, createSignal, Match, on, onCleanup, onMount, Show, Switch, type JSX } from "solid-js";
import type { PairingReachSummary, PairingState } from "../../rpc/node-api.ts";
import { formatTimestamp } from "../display-format.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ConfirmCode } from "./confirm-code.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { GateCard } from "./gate-card.tsx";
import { Icon } from "./icon.tsx";
import { DeviceNameField, PairingCode, peeringError } from "./pairing-code.tsx";
import { ProgressBar } from "./progress-bar.tsx";
import "./devices.css";

export const DEFAULT_PAIRING_RELAY = "ws://127.0.0.1:8787";
/** The confirm code needs a session's signed hello, which is not a commit: the screen asks again this often. */
const STATUS_EVERY_MS = 1_000;

type Way = "relay" | "invite";
type Waiting = Extract<PairingState, { state: "waiting" }>;
type Reached = { ok: true; value: PairingReachSummary } | { ok: false; error: ShellError };

function randomRoom(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `pair-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function byInvite(reach: PairingReachSummary): reach is { readonly invite: string } {
  return "invite" in reach;
}

export function PairNewDevice(props: { onBack: () => void; onDone: () => void }): JSX.Element {
  const shell = useShell();
  const [way, setWay] = createSignal<Way>("relay");
  const [relay, setRelay] = createSignal(DEFAULT_PAIRING_RELAY);
  const [label, setLabel] = createSignal("");
  const [answer, setAnswer] = createSignal("");
  const [connecting, setConnecting] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<ShellError>();
  const [qrSvg, setQrSvg] = createSignal("");
  const [tick, setTick] = createSignal(0);
  const timer = setInterval(() => setTick((n) => n + 1), STATUS_EVERY_MS);
  onCleanup(() => clearInterval(timer));

  const [status, { refetch }] = createResource(
    () => `${shell.connection.revision()} ${tick()}`,
    () => shell.connection.call("pairingStatus"),
  );
  const state = (): PairingState | undefined => (status.latest?.ok ? status.latest.value : undefined);
  const waiting = (): Waiting | undefined => {
    const current = state();
    return current?.state === "waiting" ? current : undefined;
  };
  const confirmCodes = (): readonly string[] => waiting()?.confirmCodes ?? [];

  let completing = false;
  createEffect(() => {
    if (state()?.state === "bound" && !completing) void complete();
  });
  createEffect(
    on(
      () => waiting()?.code,
      async (code) => {
        if (code === undefined) return;
        const { inviteQrSvg } = await import("../../peering/invite-code.ts");
        setQrSvg(inviteQrSvg(code));
      },
    ),
  );

  // A reload mid-pairing: the node kept the code; meet the other device again the same way.
  onMount(() => {
    void shell.connection.call("pairingStatus").then(async (current) => {
      if (current.ok && current.value.state === "waiting") await meetAgain(current.value.reach);
    });
  });

  async function meetAgain(reach: PairingReachSummary): Promise<void> {
    if (!byInvite(reach)) {
      const here = shell.peering.currentRoom();
      if (here?.url === reach.relay && here.room === reach.room) return;
      const joined = await shell.peering.joinRoom(reach.relay, reach.room);
      if (!joined.ok) setError(peeringError(joined.error));
      return;
    }
    // An invite offer does not outlive its page: a new one, in a new code with the same key and secret.
    setWay("invite");
    await start();
  }

  async function reach(): Promise<Reached> {
    if (way() === "invite") {
      const invite = await shell.peering.createInvite();
      return invite.ok ? { ok: true, value: { invite: invite.value.code } } : { ok: false, error: peeringError(invite.error) };
    }
    const url = relay().trim();
    const room = randomRoom();
    const joined = await shell.peering.joinRoom(url, room);
    return joined.ok ? { ok: true, value: { relay: url, room } } : { ok: false, error: peeringError(joined.error) };
  }

  async function start(): Promise<void> {
    setBusy(true);
    setError(undefined);
    const met = await reach();
    const name = label().trim();
    const made = met.ok ? await shell.connection.call("pairingBegin", { ...met.value, ...(name === "" ? {} : { label: name }) }) : met;
    setBusy(false);
    if (!made.ok) return void setError(made.error);
    void refetch();
  }

  async function complete(): Promise<void> {
    completing = true;
    const done = await shell.connection.call("pairingComplete");
    if (!done.ok) {
      completing = false;
      return void setError(done.error);
    }
    props.onDone();
  }

  async function connect(): Promise<void> {
    setError(undefined);
    setConnecting(true);
    const finished = await shell.peering.finishInvite(answer().trim());
    if (!finished.ok) {
      setConnecting(false);
      setError(peeringError(finished.error));
    }
  }

  async function cancel(): Promise<void> {
    shell.peering.leaveRoom();
    await shell.connection.call("pairingCancel");
    props.onBack();
  }

  return (
    <GateCard testId="welcome" state="pairing" title="Use an identity you already have" wide>
      <Switch>
        <Match when={waiting()}>
          {(current) => (
            <div class="stack" data-testid="pairing-offer" data-way={byInvite(current().reach) ? "invite" : "relay"}>
              <Show
                when={confirmCodes()[0]}
                fallback={
                  <p class="gate__text">
                    On a device that already has your identity, open <strong>Devices</strong> → <strong>Add a device</strong> and paste this
                    code or scan it.
                    <Show when={byInvite(current().reach)}> It gives you an answer code back: paste that below.</Show>
                  </p>
                }
              >
                {(code) => (
                  <>
                    <ConfirmCode code={code()} testId="pairing-confirm-code" />
                    <p class="gate__text" data-testid="pairing-confirm-help">
                      Type this code on your other device. If that device shows a different code, do not go on: something is between the
                      two.
                    </p>
                  </>
                )}
              </Show>
              <PairingCode qrSvg={qrSvg()} code={current().code} name="Pairing code" qrTestId="pairing-qr" codeTestId="pairing-code" />
              <p class="field__hint" data-testid="pairing-expires">
                This code works until {formatTimestamp(current().expiresAt)}.
              </p>
              <Show when={byInvite(current().reach) && confirmCodes().length === 0}>
                <label class="field">
                  <span class="field__label">Answer code from your other device</span>
                  <textarea
                    class="pairing-answer"
                    rows={3}
                    value={answer()}
                    onInput={(e) => setAnswer(e.currentTarget.value)}
                    data-testid="pairing-answer-input"
                  />
                </label>
                <div class="actions actions--start">
                  <button
                    type="button"
                    class="button"
                    disabled={connecting() || answer().trim() === ""}
                    onClick={() => void connect()}
                    data-testid="pairing-answer-connect"
                  >
                    Connect
                  </button>
                </div>
              </Show>
              <ProgressBar label="Waiting for your other device…" />
            </div>
          )}
        </Match>
        <Match when={true}>
          <form
            class="stack"
            onSubmit={(event) => {
              event.preventDefault();
              void start();
            }}
          >
            <Show when={state()?.state === "expired"}>
              <div class="notice notice--error" role="status" data-testid="pairing-expired">
                <Icon name="alert" class="notice__icon" />
                <p class="notice__title">The last code expired before a device used it. Show a new one.</p>
              </div>
            </Show>
            <p class="gate__text">
              This browser makes a key of its own. A device that already has your identity reads this browser's code and signs that key:
              then both are you, and they sync.
            </p>
            <DeviceNameField label="Name this device" value={label()} onInput={setLabel} testId="pairing-label" />
            <fieldset class="field pairing-way">
              <legend class="field__label">How the two devices meet</legend>
              <label class="pairing-way__option">
                <input
                  type="radio"
                  name="pairing-way"
                  checked={way() === "relay"}
                  onChange={() => setWay("relay")}
                  data-testid="pairing-way-relay"
                />
                Through a relay
              </label>
              <label class="pairing-way__option">
                <input
                  type="radio"
                  name="pairing-way"
                  checked={way() === "invite"}
                  onChange={() => setWay("invite")}
                  data-testid="pairing-way-invite"
                />
                Directly, no server (you carry a code back)
              </label>
            </fieldset>
            <Show when={way() === "relay"}>
              <label class="field">
                <span class="field__label">Relay the two devices meet through</span>
                <input class="input" value={relay()} onInput={(e) => setRelay(e.currentTarget.value)} data-testid="pairing-relay" />
              </label>
            </Show>
            <button type="submit" class="button button--primary button--large" disabled={busy()} data-testid="pairing-begin">
              Show a pairing code
            </button>
          </form>
        </Match>
      </Switch>
      <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
      <button type="button" class="button button--quiet" onClick={() => void cancel()} data-testid="pairing-back">
        {waiting() === undefined ? "Back" : "Cancel pairing"}
      </button>
    </GateCard>
  );
}
