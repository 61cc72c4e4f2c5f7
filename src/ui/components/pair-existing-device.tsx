// The existing device's side of pairing (ADR 0025): read the new device's code, meet it in its relay
// room, show the confirm code this device expects, and bind the key only when the person types the
// code the new screen shows. A wrong or spent code is refused by the node and nothing is written.
import { createSignal, Match, Show, Switch, type JSX } from "solid-js";
import type { PairingPreview } from "../../rpc/node-api.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ConfirmCode } from "./confirm-code.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { Icon } from "./icon.tsx";

export function PairExistingDevice(): JSX.Element {
  const shell = useShell();
  const [code, setCode] = createSignal("");
  const [typed, setTyped] = createSignal("");
  const [label, setLabel] = createSignal("");
  const [preview, setPreview] = createSignal<PairingPreview>();
  const [error, setError] = createSignal<ShellError>();
  const [busy, setBusy] = createSignal(false);
  const [added, setAdded] = createSignal<string>();

  async function read(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const result = await shell.connection.call("pairingPreview", { code: code().trim() });
    if (!result.ok) {
      setBusy(false);
      return void setError(result.error);
    }
    // The new device waits in its room; meeting there lets its screen show the confirm code.
    const joined = await shell.peering.joinRoom(result.value.relay, result.value.room);
    setBusy(false);
    if (!joined.ok) return void setError({ code: joined.error.code, category: "network", message: joined.error.message, data: {} });
    setPreview(result.value);
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
    setPreview(undefined);
    setCode("");
    setTyped("");
    setLabel("");
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
              <label class="field">
                <span class="field__label">Name it</span>
                <input
                  class="input"
                  placeholder="My phone"
                  maxLength={64}
                  value={label()}
                  onInput={(e) => setLabel(e.currentTarget.value)}
                  data-testid="pair-label"
                />
              </label>
              <div class="actions actions--start">
                <button type="submit" class="button button--primary" disabled={busy() || typed().trim() === ""} data-testid="pair-confirm">
                  Codes match: add this device
                </button>
                <button type="button" class="button button--quiet" onClick={() => setPreview(undefined)}>
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
