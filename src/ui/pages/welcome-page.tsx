// First run: create the identity this node acts for (its keys never leave the worker), then offer
// the recovery file before the person goes on — or bring an identity back from its recovery file.
import { createSignal, Match, onMount, Show, Switch, type JSX } from "solid-js";
import type { IdentitySummary } from "../../rpc/node-api.ts";
import { Avatar } from "../components/avatar.tsx";
import { ErrorNotice } from "../components/error-notice.tsx";
import { Icon } from "../components/icon.tsx";
import { GateCard } from "../components/gate-card.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { RecoveryExport } from "../components/recovery-export.tsx";
import { RestoreForm } from "../components/restore-form.tsx";
import { PairNewDevice } from "../components/pair-new-device.tsx";
import { shortId } from "../display-format.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";

function Steps(props: { current: 1 | 2 }): JSX.Element {
  return (
    <ol class="steps" aria-label="Setup">
      <li class="steps__item" aria-current={props.current === 1 ? "step" : undefined} data-done={props.current > 1}>
        Your identity
      </li>
      <li class="steps__item" aria-current={props.current === 2 ? "step" : undefined}>
        Recovery file
      </li>
    </ol>
  );
}

export function WelcomePage(props: { onDone: () => void }): JSX.Element {
  const shell = useShell();
  const [name, setName] = createSignal("");
  const [creating, setCreating] = createSignal(false);
  const [error, setError] = createSignal<ShellError>();
  const [created, setCreated] = createSignal<IdentitySummary>();
  const [restoring, setRestoring] = createSignal(false);
  const [pairing, setPairing] = createSignal(false);
  // ADR 0031: a pairing under way survives a reload; come back to it rather than to the start.
  onMount(() => {
    void shell.connection.call("pairingStatus").then((status) => {
      if (status.ok && status.value.state !== "idle" && status.value.state !== "confirming") setPairing(true);
    });
  });

  async function create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setCreating(true);
    setError(undefined);
    const result = await shell.connection.call("createIdentity", { name: name().trim() });
    setCreating(false);
    if (result.ok) setCreated(result.value);
    else setError(result.error);
  }

  return (
    <Switch>
      <Match when={created()}>
        {(identity) => (
          <GateCard testId="welcome" state="recovery" title="Your identity is ready" wide>
            <Steps current={2} />
            <div class="identity-card" data-testid="new-identity">
              <Avatar id={identity().identityId} name={identity().name} size="lg" />
              <div class="identity-card__text">
                <p class="identity-card__name" dir="auto">
                  {identity().name}
                </p>
                <p class="identity-card__id" title={identity().identityId}>
                  Identity <code>{shortId(identity().identityId, 10)}</code>
                </p>
              </div>
            </div>
            <h2 class="section-title">Keep a recovery file</h2>
            <p class="gate__text">
              If this browser loses its data, the recovery file and your passphrase bring this identity back, with its history.
            </p>
            <RecoveryExport />
            <div class="actions">
              <button type="button" class="button button--primary" onClick={() => props.onDone()} data-testid="welcome-continue">
                Continue to 2WAY
              </button>
            </div>
          </GateCard>
        )}
      </Match>
      <Match when={pairing()}>
        <PairNewDevice onBack={() => setPairing(false)} onDone={() => props.onDone()} />
      </Match>
      <Match when={restoring()}>
        <RestoreForm onBack={() => setRestoring(false)} onDone={() => props.onDone()} />
      </Match>
      <Match when={true}>
        <GateCard
          testId="welcome"
          state="identity"
          title="Welcome to 2WAY"
          lead="Your data, your keys, no server in charge. Start by creating the identity this device signs with."
          wide
        >
          <Steps current={1} />
          <form class="stack" onSubmit={(event) => void create(event)}>
            <label class="field">
              <span class="field__label">What should people call you?</span>
              <input
                class="input input--large"
                placeholder="Your name"
                autocomplete="name"
                dir="auto"
                maxLength={64}
                required
                value={name()}
                disabled={creating()}
                onInput={(event) => setName(event.currentTarget.value)}
                data-testid="identity-name"
              />
            </label>
            <Show when={creating()}>
              <ProgressBar label="Creating your keys and signing your identity…" />
            </Show>
            <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
            <button
              type="submit"
              class="button button--primary button--large"
              disabled={creating() || name().trim().length === 0}
              data-testid="identity-create"
            >
              Create my identity
            </button>
          </form>
          <p class="gate__divider">Used 2WAY before?</p>
          <button type="button" class="button button--large" onClick={() => setRestoring(true)} data-testid="welcome-restore">
            <Icon name="key" size={18} />
            Restore from a recovery file
          </button>
          <button type="button" class="button button--large" onClick={() => setPairing(true)} data-testid="welcome-pair">
            <Icon name="devices" size={18} />
            Use an identity I already have
          </button>
          <p class="fineprint">
            Your identity is a key pair made on this device. Its private key stays inside 2WAY's node in this browser; only a recovery key
            you seal under your own passphrase ever leaves it, in the recovery file. Nothing is sent anywhere.
          </p>
        </GateCard>
      </Match>
    </Switch>
  );
}
