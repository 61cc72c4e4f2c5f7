// The new device's side of pairing (ADR 0025): it joins a relay room, shows its pairing code (text and
// QR) for a device of the identity to read, then the confirm code once that device connects, and
// becomes that identity when the binding arrives. Nothing here is trusted: the node checks it all.
import { createEffect, createResource, createSignal, Match, onCleanup, Show, Switch, type JSX } from "solid-js";
import type { PairingCode } from "../../rpc/node-api.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ConfirmCode } from "./confirm-code.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { GateCard } from "./gate-card.tsx";
import { ProgressBar } from "./progress-bar.tsx";
import "./devices.css";

export const DEFAULT_PAIRING_RELAY = "ws://127.0.0.1:8787";
/** The confirm code needs a session's signed hello, which is not a commit: the screen asks again this often. */
const STATUS_EVERY_MS = 1_000;

function randomRoom(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `pair-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function peeringError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): ShellError {
  return { code: error.code, category: "network", message: error.message, data: error.data ?? {} };
}

export function PairNewDevice(props: { onBack: () => void; onDone: () => void }): JSX.Element {
  const shell = useShell();
  const [relay, setRelay] = createSignal(DEFAULT_PAIRING_RELAY);
  const [label, setLabel] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<ShellError>();
  const [offer, setOffer] = createSignal<PairingCode>();
  const [qrSvg, setQrSvg] = createSignal("");
  const [tick, setTick] = createSignal(0);
  const timer = setInterval(() => setTick((n) => n + 1), STATUS_EVERY_MS);
  onCleanup(() => clearInterval(timer));

  const [status] = createResource(
    () => (offer() === undefined ? false : `${shell.connection.revision()} ${tick()}`),
    () => shell.connection.call("pairingStatus"),
  );
  let completing = false;
  createEffect(() => {
    const current = status.latest;
    if (current?.ok && current.value.state === "bound" && !completing) void complete();
  });
  const confirmCodes = (): readonly string[] => {
    const current = status.latest;
    return current?.ok && current.value.state === "waiting" ? current.value.confirmCodes : [];
  };

  async function complete(): Promise<void> {
    completing = true;
    const done = await shell.connection.call("pairingComplete");
    if (!done.ok) {
      completing = false;
      return void setError(done.error);
    }
    props.onDone();
  }

  async function begin(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const room = randomRoom();
    const joined = await shell.peering.joinRoom(relay().trim(), room);
    if (!joined.ok) {
      setBusy(false);
      return void setError(peeringError(joined.error));
    }
    const made = await shell.connection.call("pairingBegin", {
      relay: relay().trim(),
      room,
      ...(label().trim() === "" ? {} : { label: label().trim() }),
    });
    setBusy(false);
    if (!made.ok) return void setError(made.error);
    setOffer(made.value);
    const { inviteQrSvg } = await import("../../peering/invite-code.ts");
    setQrSvg(inviteQrSvg(made.value.code));
  }

  return (
    <GateCard testId="welcome" state="pairing" title="Use an identity you already have" wide>
      <Switch>
        <Match when={offer()}>
          {(current) => (
            <div class="stack" data-testid="pairing-offer">
              <Show
                when={confirmCodes()[0]}
                fallback={
                  <p class="gate__text">
                    On a device that already has your identity, open <strong>Devices</strong> → <strong>Add a device</strong> and paste this
                    code or scan it.
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
              <div class="pairing-code">
                <div
                  class="invite-qr pairing-code__qr"
                  // eslint-disable-next-line solid/no-innerhtml -- the SVG is generated locally from our own code
                  innerHTML={qrSvg()}
                  role="img"
                  aria-label="The pairing code as a QR code"
                  data-testid="pairing-qr"
                />
                <textarea
                  class="pairing-code__text"
                  readonly
                  rows={5}
                  value={current().code}
                  aria-label="Pairing code"
                  data-testid="pairing-code"
                />
              </div>
              <ProgressBar label="Waiting for your other device…" />
            </div>
          )}
        </Match>
        <Match when={true}>
          <form class="stack" onSubmit={(event) => void begin(event)}>
            <p class="gate__text">
              This browser makes a key of its own. A device that already has your identity reads this browser's code and signs that key:
              then both are you, and they sync.
            </p>
            <label class="field">
              <span class="field__label">Name this device</span>
              <input
                class="input"
                placeholder="My phone"
                maxLength={64}
                value={label()}
                onInput={(e) => setLabel(e.currentTarget.value)}
                data-testid="pairing-label"
              />
            </label>
            <label class="field">
              <span class="field__label">Relay the two devices meet through</span>
              <input class="input" value={relay()} onInput={(e) => setRelay(e.currentTarget.value)} data-testid="pairing-relay" />
            </label>
            <button type="submit" class="button button--primary button--large" disabled={busy()} data-testid="pairing-begin">
              Show a pairing code
            </button>
          </form>
        </Match>
      </Switch>
      <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
      <button type="button" class="button button--quiet" onClick={() => props.onBack()} data-testid="pairing-back">
        Back
      </button>
    </GateCard>
  );
}
