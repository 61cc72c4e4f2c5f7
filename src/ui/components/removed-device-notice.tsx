// Shown when another of my devices removed this one (ADR 0025): in plain words, what that means here.
import { createResource, Show, type JSX } from "solid-js";
import { useShell } from "../shell-context.tsx";
import { Icon } from "./icon.tsx";

export function RemovedDeviceNotice(): JSX.Element {
  const shell = useShell();
  const [listed] = createResource(
    () => shell.connection.revision() + 1,
    () => shell.connection.call("listDevices"),
  );
  return (
    <Show when={listed.latest?.ok && listed.latest.value.thisDeviceRemoved}>
      <div class="notice notice--error" role="alert" data-testid="device-removed-notice">
        <Icon name="alert" class="notice__icon" />
        <div class="notice__body">
          <p class="notice__title">This device was removed from your identity.</p>
          <p class="notice__detail">
            Another of your devices removed it. Anything written here from now on is refused by every device, so nothing you do here reaches
            anyone. To use this identity here again, pair this browser anew from a device you still have.
          </p>
        </div>
      </div>
    </Show>
  );
}
