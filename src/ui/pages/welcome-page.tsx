// First run: create the identity this node acts for (its keys never leave the worker), then offer
// the recovery file before the person goes on.
import { createSignal, Match, Show, Switch, type JSX } from "solid-js";
import type { IdentitySummary } from "../../rpc/node-api.ts";
import { Avatar } from "../components/avatar.tsx";
import { ErrorNotice } from "../components/error-notice.tsx";
import { GateCard } from "../components/gate-card.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { RecoveryExport } from "../components/recovery-export.tsx";
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
            <p class="gate__text">A copy of your public identity and your signed history that you can keep outside this browser.</p>
            <RecoveryExport />
            <div class="actions">
              <button type="button" class="button button--primary" onClick={() => props.onDone()} data-testid="welcome-continue">
                Continue to 2WAY
              </button>
            </div>
          </GateCard>
        )}
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
          <p class="fineprint">
            Your identity is a key pair made on this device. The private key stays inside 2WAY's node in this browser and cannot be copied
            out. Nothing is sent anywhere.
          </p>
        </GateCard>
      </Match>
    </Switch>
  );
}
