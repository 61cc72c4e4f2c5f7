// Health: readiness per manager, storage use and persistence, global_seq, the state digest, and the
// audit log's check against its signed checkpoint, with a repair when it no longer verifies (ADR 0017).
import { createResource, createSignal, For, Match, onCleanup, Show, Switch, type JSX } from "solid-js";
import type { AuditLogReport, NodeInfo, StateDigestReport } from "../../rpc/node-api.ts";
import { Icon } from "../components/icon.tsx";
import { ManagerList } from "../components/manager-list.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { ResultView } from "../components/result-view.tsx";
import { StorageMeter } from "../components/storage-meter.tsx";
import { formatCount, formatTimestamp, shortId } from "../display-format.ts";
import type { ShellResult } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";

const REFRESH_MS = 5_000;

function Stat(props: { label: string; value: string; hint: string; testId: string }): JSX.Element {
  return (
    <div class="stat" data-testid={props.testId}>
      <span class="stat__label">{props.label}</span>
      <span class="stat__value" data-testid={`${props.testId}-value`}>
        {props.value}
      </span>
      <span class="stat__hint">{props.hint}</span>
    </div>
  );
}

function DigestCard(): JSX.Element {
  const shell = useShell();
  const [digest, setDigest] = createSignal<ShellResult<StateDigestReport>>();
  const [computing, setComputing] = createSignal(false);
  async function compute(): Promise<void> {
    setComputing(true);
    setDigest(await shell.connection.call("stateDigest"));
    setComputing(false);
  }
  return (
    <section class="card panel" aria-labelledby="digest-heading" data-testid="digest-card">
      <div class="panel__head">
        <h2 id="digest-heading" class="panel__title">
          State digest
        </h2>
      </div>
      <p class="panel__text">
        A fingerprint of everything this node's graph holds. Two nodes with the same envelopes show the same digest.
      </p>
      <Switch>
        <Match when={computing()}>
          <ProgressBar label="Hashing every object…" />
        </Match>
        <Match when={digest()}>
          {(answer) => (
            <ResultView result={answer()}>
              {(report) => (
                <p class="digest" data-testid="state-digest">
                  <code title={report.digest}>{shortId(report.digest, 16)}</code>
                  <span>
                    {formatCount(report.objects)} objects at global_seq {formatCount(report.globalSeq)}
                  </span>
                </p>
              )}
            </ResultView>
          )}
        </Match>
      </Switch>
      <div class="actions actions--start">
        <button type="button" class="button" disabled={computing()} onClick={() => void compute()} data-testid="compute-digest">
          {digest() === undefined ? "Compute digest" : "Compute again"}
        </button>
      </div>
    </section>
  );
}

function AuditVerdict(props: { report: AuditLogReport }): JSX.Element {
  const r = () => props.report;
  const anchored = () =>
    r().checkpoint === null
      ? "No signed checkpoint yet."
      : `Anchored by a checkpoint signed with this node's key at record ${formatCount(r().checkpoint!.seq)}.`;
  return (
    <div class="stack" data-testid="audit-verdict" data-intact={String(r().intact)}>
      <p class={`audit-verdict ${r().intact ? "audit-verdict--ok" : "audit-verdict--warn"}`}>
        <Icon name={r().intact ? "check" : "alert"} size={18} />
        <span data-testid="audit-verdict-text">
          {r().intact
            ? `Intact: all ${formatCount(r().records)} records check out. ${anchored()}`
            : `Does not verify: ${r()
                .breaks.map((b) => b.words)
                .join("; ")}. ${anchored()}`}
        </span>
      </p>
      <Show when={!r().writable}>
        <p class="panel__text">The log cannot write right now, so this node refuses changes until it can. It keeps trying by itself.</p>
      </Show>
      <Show when={r().repairs.length > 0}>
        <ul class="audit-repairs" data-testid="audit-repairs">
          <For each={r().repairs}>
            {(repair) => (
              <li>
                Repaired {formatTimestamp(repair.at)} (record {formatCount(repair.seq)}): {repair.breaks.map((b) => b.words).join("; ")}.
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

function AuditLogCard(): JSX.Element {
  const shell = useShell();
  const [answer, setAnswer] = createSignal<ShellResult<AuditLogReport>>();
  const [busy, setBusy] = createSignal<"verifying" | "repairing" | null>(null);
  async function run(method: "verifyAuditLog" | "repairAuditLog"): Promise<void> {
    setBusy(method === "verifyAuditLog" ? "verifying" : "repairing");
    setAnswer(await shell.connection.call(method));
    setBusy(null);
  }
  const broken = () => {
    const current = answer();
    return current?.ok === true && !current.value.intact;
  };
  return (
    <section class="card panel" aria-labelledby="audit-heading" data-testid="audit-card">
      <div class="panel__head">
        <h2 id="audit-heading" class="panel__title">
          Audit log
        </h2>
        <Icon name="shield" size={18} class="panel__icon" />
      </div>
      <p class="panel__text">
        Every change and every refusal is recorded in a hash chain. Verifying checks each record against the one before and against a
        checkpoint signed with this node's key, so edits, cuts and deletions show.
      </p>
      <Switch>
        <Match when={busy()}>
          {(what) => <ProgressBar label={what() === "verifying" ? "Checking every record…" : "Recording the repair…"} />}
        </Match>
        <Match when={answer()}>
          {(current) => <ResultView result={current()}>{(report) => <AuditVerdict report={report} />}</ResultView>}
        </Match>
      </Switch>
      <div class="actions actions--start">
        <button
          type="button"
          class="button"
          disabled={busy() !== null}
          onClick={() => void run("verifyAuditLog")}
          data-testid="verify-audit"
        >
          {answer() === undefined ? "Verify audit log" : "Verify again"}
        </button>
        <Show when={broken()}>
          <button
            type="button"
            class="button button--primary"
            disabled={busy() !== null}
            onClick={() => void run("repairAuditLog")}
            data-testid="repair-audit"
          >
            Repair
          </button>
        </Show>
      </div>
      <Show when={broken()}>
        <p class="fineprint">
          A repair deletes nothing: it adds one signed record saying what no longer verifies, so the rest can be trusted again.
        </p>
      </Show>
    </section>
  );
}

export function HealthPage(props: { info: NodeInfo }): JSX.Element {
  const shell = useShell();
  const [tick, setTick] = createSignal(0);
  const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const [health] = createResource(
    () => `${tick()}:${shell.connection.revision()}:${shell.persistence.state()}`,
    () => shell.connection.call("health"),
  );

  return (
    <main class="content" data-testid="health">
      <header class="page-head">
        <h1 class="page-head__title">Health</h1>
        <p class="page-head__lead">How the node on this device is doing, refreshed every few seconds.</p>
      </header>
      <ResultView result={health.latest} fallback={<ProgressBar label="Asking the node…" />}>
        {(report) => (
          <div class="stack stack--loose">
            <section
              class={`hero-status ${report.ready ? "hero-status--ok" : "hero-status--warn"}`}
              data-testid="readiness"
              data-ready={String(report.ready)}
            >
              <Icon name={report.ready ? "check" : "alert"} size={28} />
              <div>
                <p class="hero-status__title">{report.ready ? "Ready" : "Not ready"}</p>
                <p class="hero-status__text">
                  {report.ready
                    ? "Every critical manager is healthy."
                    : "At least one critical manager is not healthy; writes may be refused."}
                </p>
              </div>
            </section>

            <div class="stats">
              <Stat label="global_seq" value={formatCount(report.globalSeq)} hint="Changes accepted, in order" testId="global-seq" />
              <Stat
                label="Waiting"
                value={formatCount(report.pendingEnvelopes)}
                hint="Envelopes waiting for what they rely on"
                testId="pending"
              />
              <Stat
                label="Started in"
                value={`${formatCount(props.info.startupMs)} ms`}
                hint={`Protocol ${props.info.protocolVersion.join(".")}, ${props.info.ed25519Engine === "webcrypto" ? "WebCrypto" : "noble"} Ed25519`}
                testId="startup"
              />
            </div>

            <section aria-labelledby="managers-heading">
              <h2 id="managers-heading" class="section-title">
                Managers
              </h2>
              <ManagerList managers={report.managers} />
            </section>

            <section class="card panel" aria-labelledby="storage-heading">
              <div class="panel__head">
                <h2 id="storage-heading" class="panel__title">
                  Storage
                </h2>
                <Icon name="database" size={18} class="panel__icon" />
              </div>
              <StorageMeter
                storage={report.storage}
                persistence={shell.persistence.state()}
                onRequestPersistence={() => void shell.persistence.request()}
              />
            </section>

            <DigestCard />
            <p class="fineprint">Checked {formatTimestamp(report.checkedAt)}.</p>
          </div>
        )}
      </ResultView>
      {/* Outside the refreshed report: a verdict stays on screen while the health figures refresh. */}
      <div class="stack stack--loose audit-section">
        <AuditLogCard />
      </div>
    </main>
  );
}
