// The stored signed texts behind the Activity rows, read in one call per loaded page
// (NodeApi.exportEnvelopes over the page's seq window), and what each says (envelope-words.ts).
import { createSignal, type Accessor } from "solid-js";
import type { HistoryEntry } from "../rpc/node-api.ts";
import { envelopeFacts, type EnvelopeFacts } from "./envelope-words.ts";
import type { NodeConnection } from "./node-connection.ts";

/** PORT_LIMITS.maxExportLimit: one export call covers at most this many seqs. */
const MAX_WINDOW = 1_000;

export type EnvelopeTexts = {
  /** Facts by global_seq, for the rows whose text is loaded; grows as pages load. */
  readonly facts: Accessor<ReadonlyMap<number, EnvelopeFacts>>;
  /** Loads the texts of these entries that are not loaded yet. */
  load(entries: readonly HistoryEntry[]): Promise<void>;
};

export function createEnvelopeTexts(connection: Pick<NodeConnection, "call">): EnvelopeTexts {
  const [facts, setFacts] = createSignal<ReadonlyMap<number, EnvelopeFacts>>(new Map());

  async function load(entries: readonly HistoryEntry[]): Promise<void> {
    const missing = entries.filter((e) => !facts().has(e.seq)).map((e) => e.seq);
    if (missing.length === 0) return;
    const low = Math.min(...missing);
    const high = Math.max(...missing);
    const limit = Math.min(MAX_WINDOW, high - low + 1);
    const page = await connection.call("exportEnvelopes", { afterSeq: low - 1, limit });
    if (!page.ok) return;
    const ids = new Map(entries.map((e) => [e.seq, e.envelopeId]));
    const next = new Map(facts());
    for (const row of page.value.envelopes) {
      const parsed = envelopeFacts(row.text, ids.get(row.seq) ?? row.id);
      if (parsed !== null) next.set(row.seq, parsed);
    }
    setFacts(next);
  }

  return { facts, load };
}
