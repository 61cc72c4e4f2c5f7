// One bar per peer, "1,240 of 2,039 changes": drawn from peerProgress (peer-status.ts), the one
// place that decides what the numbers are.
import type { JSX } from "solid-js";
import type { PeerSummary } from "../../../rpc/node-api.ts";
import { peerProgress } from "../../peer-status.ts";
import { ProgressBar } from "../progress-bar.tsx";

export function PeerProgressBar(props: { peer: PeerSummary }): JSX.Element {
  const progress = () => peerProgress(props.peer);
  return (
    <div
      class="peer__progress"
      data-testid="peer-progress"
      data-done={progress().done ?? ""}
      data-total={progress().total ?? ""}
      data-up-to-date={String(progress().upToDate)}
    >
      <ProgressBar label={progress().label} done={progress().done} total={progress().total} />
    </div>
  );
}
