// STUN/TURN servers for new links, kept in this browser's localStorage.
import { createSignal, type JSX } from "solid-js";
import { ICE_SERVERS_KEY, savedIceServerUrls } from "../../shell-peering.ts";

/** STUN/TURN servers: none by default, so links work where the two devices can reach each other directly. */
export function NetworkCard(): JSX.Element {
  const [text, setText] = createSignal(savedIceServerUrls().join(" "));
  const [saved, setSaved] = createSignal(savedIceServerUrls());
  return (
    <details class="card panel" data-testid="network-card">
      <summary class="panel__title">Network settings</summary>
      <p class="panel__text">
        By default no STUN or TURN server is asked, so no third party learns that you connect; links then work where both devices can reach
        each other (same network). Add servers (for example <code>stun:stun.example.invalid:3478</code>) to connect across networks. New
        links use them.
      </p>
      <form
        class="form-row"
        onSubmit={(event) => {
          event.preventDefault();
          localStorage.setItem(ICE_SERVERS_KEY, text());
          setSaved(savedIceServerUrls());
        }}
      >
        <label>
          STUN/TURN URLs
          <input value={text()} onInput={(e) => setText(e.currentTarget.value)} placeholder="none" data-testid="ice-servers" />
        </label>
        <button type="submit" class="button">
          Save
        </button>
      </form>
      <p class="panel__text" data-testid="ice-servers-saved">
        {saved().length === 0 ? "No servers: direct links only." : `Using ${saved().join(", ")}`}
      </p>
    </details>
  );
}
