// The relay room: join one (remembered for the next visit), see it kept or being rejoined, leave it.
import { createSignal, Match, onCleanup, Show, Switch, type JSX } from "solid-js";
import type { KeeperState } from "../../../peering/room-keeper.ts";
import { formatCount } from "../../display-format.ts";
import type { ShellError } from "../../node-client.ts";
import { relayAdvice } from "../../relay-words.ts";
import { useShell } from "../../shell-context.tsx";
import { ErrorNotice } from "../error-notice.tsx";

const DEFAULT_RELAY = "ws://127.0.0.1:8787";

function asShellError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): ShellError {
  return { code: error.code, category: "network", message: error.message, data: error.data ?? {} };
}

function reasonOf(error: ShellError): string {
  const reason = error.data["reason"];
  return typeof reason === "string" ? reason : error.code;
}

function JoinForm(props: { busy: boolean; onJoin: (url: string, room: string) => void }): JSX.Element {
  const [url, setUrl] = createSignal(DEFAULT_RELAY);
  const [room, setRoom] = createSignal("");
  return (
    <form
      class="form-row"
      onSubmit={(event) => {
        event.preventDefault();
        props.onJoin(url().trim(), room().trim());
      }}
    >
      <label>
        Relay
        <input value={url()} onInput={(e) => setUrl(e.currentTarget.value)} data-testid="relay-url" />
      </label>
      <label>
        Room
        <input value={room()} onInput={(e) => setRoom(e.currentTarget.value)} placeholder="kitchen-table" data-testid="relay-room" />
      </label>
      <button type="submit" class="button" disabled={props.busy || room().trim() === ""} data-testid="relay-join">
        Join
      </button>
    </form>
  );
}

/** A remembered room being joined again, or waiting for its next try. */
function Rejoining(props: { state: Extract<KeeperState, { phase: "joining" | "waiting" }>; onLeave: () => void }): JSX.Element {
  return (
    <div class="room-status" data-testid="relay-rejoining" data-attempt={props.state.attempt}>
      <p class="panel__text">
        Reconnecting to room <strong dir="auto">{props.state.ref.room}</strong> at {props.state.ref.url}
        {props.state.phase === "waiting"
          ? ` (try ${formatCount(props.state.attempt)} failed, trying again in ${Math.ceil(props.state.delayMs / 1000)} s)`
          : "…"}
      </p>
      <Show when={props.state.phase === "waiting" ? props.state.error : undefined}>
        {(error) => (
          <p class="panel__text" data-testid="relay-advice" data-reason={error().reason}>
            {relayAdvice(error().reason)}
          </p>
        )}
      </Show>
      <button type="button" class="button button--quiet" onClick={() => props.onLeave()} data-testid="relay-leave">
        Stop and forget this room
      </button>
    </div>
  );
}

type Rejoin = Extract<KeeperState, { phase: "joining" | "waiting" }>;

const joinedOf = (s: KeeperState) => (s.phase === "joined" ? s : undefined);
const rejoinOf = (s: KeeperState): Rejoin | undefined => (s.phase === "waiting" || (s.phase === "joining" && s.rejoin) ? s : undefined);

export function RelayCard(): JSX.Element {
  const { peering } = useShell();
  const [state, setState] = createSignal(peering.room.state());
  const [error, setError] = createSignal<ShellError>();
  onCleanup(peering.room.onChange(() => setState(peering.room.state())));
  async function join(url: string, room: string): Promise<void> {
    setError(undefined);
    const result = await peering.room.join(url, room);
    if (!result.ok) setError(asShellError(result.error));
  }
  return (
    <section class="card panel" aria-labelledby="relay-heading" data-testid="relay-card" data-phase={state().phase}>
      <h2 id="relay-heading" class="panel__title">
        Meet in a relay room
      </h2>
      <p class="panel__text">
        Everyone in the same room connects to each other, and this browser rejoins the room by itself next time. The relay only passes
        connection offers along; each node checks who the other really is by its signed hello.
      </p>
      <Switch fallback={<JoinForm busy={state().phase === "joining"} onJoin={(url, room) => void join(url, room)} />}>
        <Match when={joinedOf(state())}>
          {(joined) => (
            <div class="actions actions--start">
              <span data-testid="relay-joined">
                In room <strong dir="auto">{joined().ref.room}</strong> at {joined().ref.url}
              </span>
              <button type="button" class="button button--quiet" onClick={() => peering.room.leave()} data-testid="relay-leave">
                Leave
              </button>
            </div>
          )}
        </Match>
        <Match when={rejoinOf(state())}>{(s) => <Rejoining state={s()} onLeave={() => peering.room.leave()} />}</Match>
      </Switch>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} title={relayAdvice(reasonOf(e()))} />}</Show>
    </section>
  );
}
