// Devices: every device of my identity with its name and when it was last seen here; add one by its
// pairing code, remove one (a key revocation with a cut, DESIGN §4 rule 5), or replace this device's
// key (ADR 0021 rotation: bind new, revoke old) in one action (ADR 0025).
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import type { DeviceSummary } from "../../rpc/node-api.ts";
import { ErrorNotice } from "../components/error-notice.tsx";
import { Icon } from "../components/icon.tsx";
import { PairExistingDevice } from "../components/pair-existing-device.tsx";
import { formatWhen, shortId } from "../display-format.ts";
import type { ShellError, ShellResult } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import "../components/devices.css";

function deviceName(device: DeviceSummary): string {
  if (device.label !== null) return device.label;
  return device.role === "root" ? "The device this identity was made on" : "A device without a name";
}

function DeviceRow(props: { device: DeviceSummary; cutOff: boolean; onError: (error: ShellError | undefined) => void }): JSX.Element {
  const shell = useShell();
  const [asking, setAsking] = createSignal(false);
  const [replacing, setReplacing] = createSignal(false);
  const [busy, setBusy] = createSignal(false);

  async function run(work: () => Promise<ShellResult<unknown>>): Promise<void> {
    setBusy(true);
    props.onError(undefined);
    const result = await work();
    setBusy(false);
    setAsking(false);
    setReplacing(false);
    if (!result.ok) props.onError(result.error);
  }

  return (
    <li class="device" data-testid="device-row" data-removed={props.device.removed} data-this={props.device.thisDevice}>
      <div class="device__main">
        <p class="device__name" dir="auto">
          {deviceName(props.device)}
          <Show when={props.device.thisDevice}>
            <span class="pill pill--neutral">This device</span>
          </Show>
          <Show when={props.device.removed}>
            <span class="pill pill--error" data-testid="device-removed">
              Removed
            </span>
          </Show>
        </p>
        <p class="device__meta">
          <span>Last seen {props.device.lastSeen === null ? "never" : formatWhen(props.device.lastSeen)}</span>
          <Show when={props.device.boundAt}>{(at) => <span>added {formatWhen(at())}</span>}</Show>
          <code title={props.device.publicKey}>{shortId(props.device.publicKey, 8)}</code>
        </p>
      </div>
      <Show when={!props.cutOff}>
        <div class="device__actions">
          <Show when={!props.device.removed && !props.device.thisDevice}>
            <Show
              when={asking()}
              fallback={
                <button type="button" class="button button--quiet" onClick={() => setAsking(true)} data-testid="device-remove">
                  Remove
                </button>
              }
            >
              <p class="device__ask">It keeps nothing it writes from now on. What it wrote so far stays.</p>
              <button
                type="button"
                class="button button--danger"
                disabled={busy()}
                onClick={() => {
                  const publicKey = props.device.publicKey;
                  void run(() => shell.connection.call("removeDevice", { publicKey }));
                }}
                data-testid="device-remove-confirm"
              >
                Remove it
              </button>
              <button type="button" class="button button--quiet" onClick={() => setAsking(false)}>
                Keep it
              </button>
            </Show>
          </Show>
          <Show when={props.device.thisDevice && props.device.role === "device" && !props.device.removed}>
            <Show
              when={replacing()}
              fallback={
                <button type="button" class="button button--quiet" onClick={() => setReplacing(true)} data-testid="device-rotate">
                  <Icon name="refresh" size={16} />
                  Replace this device's key
                </button>
              }
            >
              <p class="device__ask">
                This device gets a new key and the old one is revoked, on every device, after what it signed so far. You stay the same
                identity.
              </p>
              <button
                type="button"
                class="button button--primary"
                disabled={busy()}
                onClick={() => void run(() => shell.connection.call("rotateDeviceKey"))}
                data-testid="device-rotate-confirm"
              >
                Replace the key
              </button>
              <button type="button" class="button button--quiet" onClick={() => setReplacing(false)}>
                Keep it
              </button>
            </Show>
          </Show>
        </div>
      </Show>
    </li>
  );
}

export function DevicesPage(): JSX.Element {
  const shell = useShell();
  const [error, setError] = createSignal<ShellError>();
  const [listed] = createResource(
    () => shell.connection.revision() + 1,
    () => shell.connection.call("listDevices"),
  );
  const devices = (): readonly DeviceSummary[] => {
    const result = listed.latest;
    return result?.ok ? result.value.devices : [];
  };
  // A removed device can sign nothing that counts: it offers no actions, only the notice.
  const cutOff = (): boolean => {
    const result = listed.latest;
    return result?.ok === true && result.value.thisDeviceRemoved;
  };
  const failure = (): ShellError | undefined => {
    const result = listed.latest;
    return result !== undefined && !result.ok ? result.error : undefined;
  };
  return (
    <main class="content content--narrow" data-testid="devices">
      <header class="page-head">
        <h1 class="page-head__title">Devices</h1>
        <p class="page-head__lead">Every device that writes as you. Each has its own key; removing one cuts it off on every device.</p>
      </header>
      <section class="card panel" aria-labelledby="devices-heading">
        <h2 id="devices-heading" class="panel__title">
          Your devices
        </h2>
        <Show when={failure()}>{(why) => <ErrorNotice error={why()} />}</Show>
        <ul class="device-list" data-testid="device-list">
          <For each={devices()}>{(device) => <DeviceRow device={device} cutOff={cutOff()} onError={setError} />}</For>
        </ul>
        <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
      </section>
      <Show when={!cutOff()}>
        <PairExistingDevice />
      </Show>
    </main>
  );
}
