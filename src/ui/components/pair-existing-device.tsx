// The existing device's side of pairing (ADR 0025, ADR 0031): read the new device's code, meet it in
// its relay room or answer its invite offer (no server: the answer code goes back by hand), show the
// confirm code this device expects, and bind the key only when the person types the code the new
// screen shows. A reload comes back to the code being confirmed. The node refuses a wrong, spent or
// expired code and nothing is written.
import { createSignal, Match, onMount, Show, Switch, type JSX } from "solid-js";
import type { PairingPreview } from "../../rpc/node-api.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ConfirmCode } from "./confirm-code.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { Icon } from "./icon.tsx";
import { DeviceNameField, PairingCode, peeringError } from "./pairing-code.tsx";

type Reply = { readonly answerCode: string; readonly qrSvg: string };

export function PairExistingDevice(): JSX.Element {
  const shell = useShell();
  const [code, setCode] = createSignal("");
  const [typed, setTyped] = createSignal("");
  const [label, setLabel] = createSignal("");
  const [preview, setPreview] = createSignal<PairingPreview>();
  const [reply, setReply] = createSignal<Reply>();
  const [error, setError] = createSignal<ShellError>();
  const [busy, setBusy] = createSignal(false);
  const [added, setAdded] = createSignal<string>();

  // After a reload the node still holds the code being confirmed: meet the new device again.
  onMount(() => {
    void shell.connection.call("pairingStatus").then(async (status) => {
      if (!status.ok || status.value.state !== "confirming") return;
      const { state: _state, code: pending, ...rest } = status.value;
      setCode(pending);
      await meet(rest);
    });
  });

  /** The new device waits in its room, or for the answer to its offer; meeting lets its screen show the confirm code. */
  async function meet(current: PairingPreview): Promise<void> {
    setBusy(true);
    const { reach } = current;
    if ("invite" in reach) {
      const answered = await shell.peering.acceptInvite(reach.invite);
      setBusy(false);
      if (!answered.ok) return void setError(peeringError(answered.error));
      setReply(answered.value);
    } else {
      const joined = await shell.peering.joinRoom(reach.relay, reach.room);
      setBusy(false);
      if (!joined.ok) return void setError(peeringError(joined.error));
    }
    setPreview(current);
  }

  async function read(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const result = await shell.connection.call("pairingPreview", { code: code().trim() });
    if (!result.ok) {
      setBusy(false);
      return void setError(result.error);
    }
    await meet(result.value);
  }

  function reset(): void {
    setPreview(undefined);
    setReply(undefined);
    setCode("");
    setTyped("");
    setLabel("");
  }

  async function cancel(): Promise<void> {
    await shell.connection.call("pairingCancel");
    setError(undefined);
    reset();
  }

  async function confirm(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const name = label().trim();
    const result = await shell.connection.call("pairingConfirm", {
      code: code().trim(),
      confirmCode: typed(),
      ...(name === "" ? {} : { label: name }),
    });
    setBusy(false);
    if (!result.ok) return void setError(result.error);
    setAdded(name === "" ? "The new device" : name);
    reset();
  }

  return (
    <section class="card panel" aria-labelledby="pair-heading" data-testid="pair-existing">
      <h2 id="pair-heading" class="panel__title">
        Add a device
      </h2>
      <Switch>
        <Match when={preview()}>
          {(current) => (
            <form class="stack" onSubmit={(event) => void confirm(event)}>
              <Show when={reply()}>
                {(answer) => (
                  <div class="stack" data-testid="pair-reply">
                    <p class="panel__text">
                      No server between you: give this answer code to the new device (paste it there, or scan it with the new device).
                    </p>
                    <PairingCode
                      qrSvg={answer().qrSvg}
                      code={answer().answerCode}
                      name="Answer code"
                      qrTestId="pair-reply-qr"
                      codeTestId="pair-reply-code"
                    />
                  </div>
                )}
              </Show>
              <p class="panel__text">This device expects the new one to show:</p>
              <ConfirmCode code={current().confirmCode} testId="pair-expected-code" />
              <label class="field">
                <span class="field__label">Type the code the new device shows</span>
                <input
                  class="input input--code"
                  inputmode="numeric"
                  autocomplete="one-time-code"
                  maxLength={7}
                  value={typed()}
                  onInput={(e) => {
                    setTyped(e.currentTarget.value);
                    setError(undefined);
                  }}
                  data-testid="pair-confirm-input"
                />
              </label>
              <DeviceNameField label="Name it" value={label()} onInput={setLabel} testId="pair-label" />
              <div class="actions actions--start">
                <button type="submit" class="button button--primary" disabled={busy() || typed().trim() === ""} data-testid="pair-confirm">
                  Codes match: add this device
                </button>
                <button type="button" class="button button--quiet" onClick={() => void cancel()} data-testid="pair-cancel">
                  Cancel
                </button>
              </div>
            </form>
          )}
        </Match>
        <Match when={true}>
          <form class="stack" onSubmit={(event) => void read(event)}>
            <p class="panel__text">
              On the new device choose <strong>Use an identity I already have</strong>, then paste its pairing code here.
            </p>
            <textarea
              rows={3}
              value={code()}
              onInput={(e) => setCode(e.currentTarget.value)}
              aria-label="Pairing code"
              data-testid="pair-code-input"
            />
            <div class="actions actions--start">
              <button type="submit" class="button" disabled={busy() || code().trim() === ""} data-testid="pair-read">
                Continue
              </button>
            </div>
          </form>
        </Match>
      </Switch>
      <Show when={added()}>
        {(name) => (
          <div class="notice notice--ok" role="status" data-testid="pair-added">
            <Icon name="check" class="notice__icon" />
            <p class="notice__title">{name()} is now one of your devices. The two sync while they are connected.</p>
          </div>
        )}
      </Show>
      <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
    </section>
  );
}
