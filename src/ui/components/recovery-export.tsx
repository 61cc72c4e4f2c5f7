// Downloads the recovery file, with progress, and says honestly what it can and cannot restore.
import { createSignal, Match, Switch, type JSX } from "solid-js";
import { formatBytes, formatCount } from "../display-format.ts";
import type { ShellError } from "../node-client.ts";
import { buildRecoveryFile, saveFile, type ExportProgress } from "../recovery-file.ts";
import { useShell } from "../shell-context.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { Icon } from "./icon.tsx";
import { ProgressBar } from "./progress-bar.tsx";

type ExportState =
  | { readonly state: "idle" }
  | { readonly state: "exporting"; readonly progress: ExportProgress }
  | { readonly state: "saved"; readonly fileName: string; readonly envelopes: number; readonly bytes: number }
  | { readonly state: "failed"; readonly error: ShellError };

export function RecoveryExport(): JSX.Element {
  const shell = useShell();
  const [status, setStatus] = createSignal<ExportState>({ state: "idle" });

  async function exportFile(): Promise<void> {
    setStatus({ state: "exporting", progress: { done: 0, total: 0 } });
    const built = await buildRecoveryFile(shell.connection, (progress) => setStatus({ state: "exporting", progress }));
    if (!built.ok) return void setStatus({ state: "failed", error: built.error });
    saveFile(built.value.blob, built.value.fileName);
    setStatus({ state: "saved", fileName: built.value.fileName, envelopes: built.value.header.globalSeq, bytes: built.value.blob.size });
  }

  const exporting = () => {
    const current = status();
    return current.state === "exporting" ? current.progress : undefined;
  };
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
          <Icon name="check" size={18} class="checklist__yes" />
          Your identity's public key and id, and the apps on this node
        </li>
        <li>
          <Icon name="check" size={18} class="checklist__yes" />
          Every signed change this node holds, exactly as it was signed, so any 2WAY node can verify it
        </li>
        <li>
          <Icon name="key" size={18} class="checklist__no" />
          <span>
            <strong>Not your private key.</strong> It was made non-extractable inside this browser's node and cannot be copied out, not even
            by you. This file cannot let anyone sign as you. A real key backup comes in a later version.
          </span>
        </li>
      </ul>
      <Switch>
        <Match when={exporting()}>
          {(progress) => (
            <ProgressBar
              label={`Exporting ${formatCount(progress().done)} of ${formatCount(progress().total)} changes…`}
              done={progress().done}
              total={progress().total}
            />
          )}
        </Match>
        <Match when={saved()}>
          {(file) => (
            <p class="notice notice--ok" role="status" data-testid="recovery-saved">
              <Icon name="check" class="notice__icon" />
              <span>
                Saved <strong>{file().fileName}</strong> — {formatCount(file().envelopes)} changes, {formatBytes(file().bytes)}. Keep it
                somewhere safe.
              </span>
            </p>
          )}
        </Match>
        <Match when={failed()}>{(error) => <ErrorNotice error={error()} title="The recovery file could not be made." />}</Match>
      </Switch>
      <div class="actions actions--start">
        <button
          type="button"
          class="button"
          disabled={exporting() !== undefined}
          onClick={() => void exportFile()}
          data-testid="recovery-download"
        >
          <Icon name="download" size={18} />
          {saved() ? "Download again" : "Download recovery file"}
        </button>
      </div>
    </div>
  );
}
