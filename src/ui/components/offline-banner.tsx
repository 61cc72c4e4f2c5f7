// Shown while the device has no network: the node keeps running here regardless.
import { Show, type Accessor, type JSX } from "solid-js";
import { Icon } from "./icon.tsx";

export function OfflineBanner(props: { isOnline: Accessor<boolean> }): JSX.Element {
  return (
    <Show when={!props.isOnline()}>
      <div class="banner banner--pending" role="status" data-testid="offline-banner">
        <Icon name="offline" size={16} />
        <span>Offline. Your node keeps running on this device.</span>
      </div>
    </Show>
  );
}
