// Restore (ADR 0021): a recovery file and its passphrase bring an identity back into a browser that
// holds none. The node checks the whole file before it writes anything; refusals say why plainly.
import { createSignal, Match, Show, Switch, type JSX } from "solid-js";
import type { RestoreSummary } from "../../rpc/node-api.ts";
import { shortId, formatCount } from "../display-format.ts";
import type { ShellError } from "../node-client.ts";
import { readRecoveryFile } from "../recovery-file.ts";
import { useShell } from "../shell-context.tsx";
import { Avatar } from "./avatar.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { GateCard } from "./gate-card.tsx";
import { ProgressBar } from "./progress-bar.tsx";
import { RecoveryExport } from "./recovery-export.tsx";

export function RestoreForm(props: { onBack: () => void; onDone: () => void }): JSX.Element {
  const shell = useShell();
  const [file, setFile] = createSignal<File>();
  const [passphrase, setPassphrase] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<ShellError>();
  const [restored, setRestored] = createSignal<RestoreSummary>();

  async function restore(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const picked = file();
    if (picked === undefined) return;
    setBusy(true);
    setError(undefined);
    const result = await shell.connection.call("restoreIdentity", {
      file: await readRecoveryFile(picked),
      passphrase: passphrase(),
      label: "Restored browser",
    });
    setBusy(false);
    // The node's refusals are plain words already (wrong passphrase, damaged file, another identity).
    if (!result.ok) return void setError(result.error);
    setPassphrase("");
    setRestored(result.value);
  }

  return (
    <Switch>
      <Match when={restored()}>
        {(done) => (
          <GateCard testId="welcome" state="restored" title="Welcome back" wide>
            <div class="identity-card" data-testid="restored-identity">
              <Avatar id={done().identity.identityId} name={done().identity.name} size="lg" />
              <div>
                <p class="identity-card__name">{done().identity.name ?? "You"}</p>
                <p class="identity-card__id" title={done().identity.identityId}>
                  Identity <code>{shortId(done().identity.identityId, 10)}</code>
                </p>
              </div>
            </div>
            <p class="gate__text">
              {formatCount(done().imported.accepted + done().imported.duplicate)} changes came back from the file. This browser now writes
              with its own new device key; connect to a peer to get anything newer.
            </p>
            <h2 class="section-title">Make a new recovery file</h2>
            <p class="gate__text">
              The file you used has done its job: restore from a file once. A new one retires it, so keep the new one instead.
            </p>
            <RecoveryExport />
            <div class="actions">
              <button type="button" class="button button--primary" onClick={() => props.onDone()} data-testid="restore-continue">
                Continue to 2WAY
              </button>
            </div>
          </GateCard>
        )}
      </Match>
      <Match when={true}>
        <GateCard
          testId="welcome"
          state="restore"
          title="Restore from a recovery file"
          lead="Pick the recovery file you saved and type the passphrase you sealed it with."
          wide
        >
          <form class="stack" onSubmit={(event) => void restore(event)}>
            <label class="field">
              <span class="field__label">Recovery file</span>
              <input
                class="file-pick"
                type="file"
                accept=".json,application/json"
                disabled={busy()}
                onChange={(event) => setFile(event.currentTarget.files?.[0])}
                data-testid="restore-file"
              />
            </label>
            <label class="field">
              <span class="field__label">Passphrase</span>
              <input
                class="input input--large"
                type="password"
                autocomplete="current-password"
                maxLength={1024}
                value={passphrase()}
                disabled={busy()}
                onInput={(event) => setPassphrase(event.currentTarget.value)}
                data-testid="restore-passphrase"
              />
            </label>
            <Show when={busy()}>
              <ProgressBar label="Opening the file and checking every signed change…" />
            </Show>
            <Show when={error()}>{(failure) => <ErrorNotice error={failure()} title="Nothing was restored." />}</Show>
            <div class="actions">
              <button
                type="button"
                class="button button--ghost"
                disabled={busy()}
                onClick={() => props.onBack()}
                data-testid="restore-back"
              >
                Back
              </button>
              <button
                type="submit"
                class="button button--primary"
                disabled={busy() || file() === undefined || passphrase().length === 0}
                data-testid="restore-submit"
              >
                Restore my identity
              </button>
            </div>
          </form>
        </GateCard>
      </Match>
    </Switch>
  );
}
