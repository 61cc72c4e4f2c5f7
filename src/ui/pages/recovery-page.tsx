// The shell identity and its recovery file, reachable any time from the header.
import { Show, type JSX } from "solid-js";
import { Avatar } from "../components/avatar.tsx";
import { RecoveryExport } from "../components/recovery-export.tsx";
import { formatTimestamp } from "../display-format.ts";
import { shellIdentity, useShell } from "../shell-context.tsx";

export function RecoveryPage(): JSX.Element {
  const shell = useShell();
  return (
    <main class="content content--narrow" data-testid="recovery">
      <header class="page-head">
        <h1 class="page-head__title">Your identity</h1>
        <p class="page-head__lead">Who this device signs as, and a file you can keep outside the browser.</p>
      </header>
      <Show when={shellIdentity(shell)}>
        {(identity) => (
          <section class="card panel">
            <div class="identity-card">
              <Avatar id={identity().identityId} name={identity().name} size="lg" />
              <div class="identity-card__text">
                <p class="identity-card__name" dir="auto">
                  {identity().name ?? "You"}
                </p>
                <p class="identity-card__id">Created {formatTimestamp(identity().createdAt)}</p>
              </div>
            </div>
            <dl class="facts">
              <dt>Identity id</dt>
              <dd>
                <code data-testid="identity-id">{identity().identityId}</code>
              </dd>
              <dt>Public key</dt>
              <dd>
                <code>{identity().publicKey}</code>
              </dd>
            </dl>
          </section>
        )}
      </Show>
      <section class="card panel" aria-labelledby="recovery-heading">
        <div class="panel__head">
          <h2 id="recovery-heading" class="panel__title">
            Recovery file
          </h2>
        </div>
        <RecoveryExport />
      </section>
    </main>
  );
}
