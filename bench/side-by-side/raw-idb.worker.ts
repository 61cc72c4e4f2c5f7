// The ceiling under any IndexedDB design: one envelope-sized row (~1.2 KB) per envelope, written
// with Dexie's bulkPut in one transaction per batch, in a dedicated worker. The table carries the
// envelope table's unique id index and its [authorKey+keySeq] index, so the row costs what ours would.
import Dexie from "dexie";

type Job = { count: number; batch: number; round: number };

async function run({ count, batch, round }: Job): Promise<{ ms: number }> {
  const db = new Dexie(`raw-idb-bench-${round}`);
  db.version(1).stores({ rows: "seq, &id, [authorKey+keySeq]" });
  await db.open();
  const body = "x".repeat(1150);
  const rows = Array.from({ length: count }, (_, seq) => ({ seq, id: `id-${round}-${seq}`, authorKey: "k", keySeq: seq, text: body }));
  const started = performance.now();
  for (let i = 0; i < count; i += batch) await db.table("rows").bulkPut(rows.slice(i, i + batch));
  const ms = performance.now() - started;
  db.close();
  return { ms };
}

self.onmessage = (event: MessageEvent<Job>) => {
  run(event.data).then(
    (result) => self.postMessage({ ok: true, ...result }),
    (error: unknown) => self.postMessage({ ok: false, error: String(error instanceof Error ? (error.stack ?? error.message) : error) }),
  );
};
