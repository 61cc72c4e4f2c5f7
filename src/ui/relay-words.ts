// What a person can do when joining or keeping a relay room fails: the relay client's reasons
// (src/peering/relay-client.ts) in words that say what to try next.

const WHAT_TO_DO: Readonly<Record<string, string>> = {
  invalid_url: "Type the relay's address as ws://host:port or wss://host.",
  invalid_room: "Room names use letters, digits, - and _ only (at most 64).",
  relay_unreachable: "Check the relay address, and that the relay is running and reachable from this device.",
  relay_timeout: "The relay is slow or overloaded. Try again in a moment.",
  relay_closed: "The relay ended the connection. Try again; if it keeps happening, the relay may be restarting.",
  relay_refused: "The relay turned the join away (too many connections or a full room). Wait a minute, or pick another room.",
  already_in_room: "Leave the current room first.",
  no_websocket: "This browser cannot open a connection to a relay.",
  join_aborted: "Joining was cancelled.",
};

export function relayAdvice(reason: string): string {
  return WHAT_TO_DO[reason] ?? "Try again; if it keeps failing, check the relay address.";
}
