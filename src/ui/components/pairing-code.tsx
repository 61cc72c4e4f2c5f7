// What both sides of pairing show alike (ADR 0025, ADR 0031): a code as QR and as text to copy, the
// field that names a device, and a peering failure in the shell's error shape. Holds no state.
import type { JSX } from "solid-js";
import type { ShellError } from "../node-client.ts";

/** A peering failure (relay, invite) as the error notice shows it. */
export function peeringError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): ShellError {
  return { code: error.code, category: "network", message: error.message, data: error.data ?? {} };
}

/** A code to carry to the other device: scanned from the QR, or copied from the text. */
export function PairingCode(props: { qrSvg: string; code: string; name: string; qrTestId: string; codeTestId: string }): JSX.Element {
  return (
    <div class="pairing-code">
      <div
        class="invite-qr pairing-code__qr"
        // eslint-disable-next-line solid/no-innerhtml -- the SVG is generated locally from our own code
        innerHTML={props.qrSvg}
        role="img"
        aria-label={`The ${props.name.toLowerCase()} as a QR code`}
        data-testid={props.qrTestId}
      />
      <textarea class="pairing-code__text" readonly rows={5} value={props.code} aria-label={props.name} data-testid={props.codeTestId} />
    </div>
  );
}

/** The name a person gives a device ("My phone"), at most 64 characters. */
export function DeviceNameField(props: { label: string; value: string; onInput: (name: string) => void; testId: string }): JSX.Element {
  return (
    <label class="field">
      <span class="field__label">{props.label}</span>
      <input
        class="input"
        placeholder="My phone"
        maxLength={64}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        data-testid={props.testId}
      />
    </label>
  );
}
