// Makes the recovery file under a passphrase the person chooses (ADR 0021), and says plainly what
// the file can do: with the passphrase, bring this identity back on a new device.
import { createSignal, Match, Show, Switch, type JSX } from "solid-js";
import { formatBytes, formatCount } from "../display-format.ts";
import type { ShellError } from "../node-client.ts";
import { makeRecoveryFile, MIN_PASSPHRASE_LENGTH, passphraseLength, saveFile } from "../recovery-file.ts";
import { useShell } from "../shell-context.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { Icon } from "./icon.tsx";
import { ProgressBar } from "./progress-bar.tsx";

type ExportState =
  | { readonly state: "idle" }
  | { readonly state: "sealing" }
  | { readonly state: "saved"; readonly fileName: string; readonly envelopes: number; readonly bytes: number; readonly retired: number }
  | { readonly state: "failed"; readonly error: ShellError };

export function RecoveryExport(): JSX.Element {
  const shell = useShell();
  const [status, setStatus] = createSignal<ExportState>({ state: "idle" });
  const [passphrase, setPassphrase] = createSignal("");
  const [confirm, setConfirm] = createSignal("");

  const longEnough = () => passphraseLength(passphrase()) >= MIN_PASSPHRASE_LENGTH;
  const matches = () => passphrase() === confirm();
  const sealing = () => status().state === "sealing";

  async function exportFile(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setStatus({ state: "sealing" });
    const built = await makeRecoveryFile(shell.connection, passphrase());
    if (!built.ok) return void setStatus({ state: "failed", error: built.error });
    saveFile(built.value.blob, built.value.fileName);
    setPassphrase("");
    setConfirm("");
    setStatus({
      state: "saved",
      fileName: built.value.fileName,
      envelopes: built.value.made.envelopes,
      bytes: built.value.blob.size,
      retired: built.value.made.revoked.length,
    });
  }

  const saved = () => {
    const current = status();
    return current.state === "saved" ? current : undefined;
  };
  const failed = () => {
    const current = status();
    return current.state === "failed" ? current.error : undefined;
  };

  return (
    <div class="recovery" data-testid="recovery-export" data-state={status().state}>
      <ul class="checklist">
        <li>
          <Icon name="key" size={18} class="checklist__yes" />
          <span>
            <strong>Your recovery key</strong>, sealed under a passphrase you choose. With the file and the passphrase you can bring this
            identity back on a new device.
          </span>
        </li>
        <li>
          <Icon name="check" size={18} class="checklist__yes" />
          Every signed change this node holds, exactly as it was signed, so any 2WAY node can verify it
        </li>
        <li>
          <Icon name="alert" size={18} class="checklist__no" />
          <span>
            Keep the file and the passphrase apart: together they can act as you. 2WAY cannot recover a forgotten passphrase. A new file
            retires the previous one.
          </span>
        </li>
      </ul>
      <form class="stack recovery__form" onSubmit={(event) => void exportFile(event)}>
        <label class="field">
          <span class="field__label">Passphrase</span>
          <input
            class="input"
            type="password"
            autocomplete="new-password"
            maxLength={1024}
            value={passphrase()}
            disabled={sealing()}
            onInput={(event) => setPassphrase(event.currentTarget.value)}
            data-testid="recovery-passphrase"
          />
          <span class="field__hint">At least {MIN_PASSPHRASE_LENGTH} characters. A few unrelated words are easy to remember.</span>
        </label>
        <label class="field">
          <span class="field__label">Passphrase again</span>
          <input
            class="input"
            type="password"
            autocomplete="new-password"
            maxLength={1024}
            value={confirm()}
            disabled={sealing()}
            onInput={(event) => setConfirm(event.currentTarget.value)}
            data-testid="recovery-passphrase-confirm"
          />
          <Show when={confirm().length > 0 && !matches()}>
            <span class="field__hint field__hint--error" data-testid="recovery-mismatch">
              The two passphrases differ.
            </span>
          </Show>
        </label>
        <Switch>
          <Match when={sealing()}>
            <ProgressBar label="Sealing your recovery key under the passphrase…" />
          </Match>
          <Match when={saved()}>
            {(file) => (
              <p class="notice notice--ok" role="status" data-testid="recovery-saved">
                <Icon name="check" class="notice__icon" />
                <span>
                  Saved <strong>{file().fileName}</strong> — {formatCount(file().envelopes)} changes, {formatBytes(file().bytes)}.
                  {file().retired > 0 ? " Your previous recovery file no longer restores." : ""} Keep it somewhere safe.
                </span>
              </p>
            )}
          </Match>
          <Match when={failed()}>{(error) => <ErrorNotice error={error()} title="The recovery file could not be made." />}</Match>
        </Switch>
        <div class="actions actions--start">
          <button type="submit" class="button" disabled={sealing() || !longEnough() || !matches()} data-testid="recovery-download">
            <Icon name="download" size={18} />
            {saved() ? "Make a new recovery file" : "Make recovery file"}
          </button>
        </div>
      </form>
    </div>
  );
}
