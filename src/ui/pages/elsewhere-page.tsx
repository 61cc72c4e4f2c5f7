// One node per origin (ADR 0006): while another tab holds the node this tab opens nothing, says so,
// and takes over by itself when that tab closes — or at once, if the person asks.
import { Show, type JSX } from "solid-js";
import { GateCard } from "../components/gate-card.tsx";
import { Icon } from "../components/icon.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";

export function ElsewherePage(props: { state: "waiting" | "moved"; requested: boolean; onUseHere: () => void }): JSX.Element {
  const moved = () => props.state === "moved";
  return (
    <GateCard
      testId="open-elsewhere"
      state={props.requested ? "requested" : props.state}
      title={moved() ? "2WAY moved to another tab" : "2WAY is open in another tab"}
      lead={
        moved()
          ? "You chose to use 2WAY in another tab, so this one stopped its node."
          : "Your node runs in one tab at a time, so two tabs can never write at once."
      }
    >
      <div class="gate__illustration" aria-hidden="true">
        <Icon name="tabs" size={40} />
      </div>
      <Show when={!props.requested} fallback={<ProgressBar label="Asking the other tab to finish its writes and hand over…" />}>
        <p class="gate__text">
          {moved()
            ? "Nothing was lost: everything is stored on this device."
            : "This tab takes over by itself when the other one closes. You can also move 2WAY here now; the other tab finishes what it is writing first."}
        </p>
        <div class="actions">
          <button type="button" class="button button--primary" onClick={() => props.onUseHere()} data-testid="use-here">
            Use 2WAY here
          </button>
        </div>
      </Show>
    </GateCard>
  );
}
