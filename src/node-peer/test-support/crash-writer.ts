// The child process of the crash test (sqlite-crash.node.test.ts): it opens a SQLite node database
// and commits batches of envelopes, each with its object and version, until it is killed. It says
// on stdout what it committed; with `pause`, it stops inside an open batch and says so, to be killed there.
// Run: node --import tsx crash-writer.ts <path> <batches> <pause: yes|no>
import { SqliteStorage } from "../storage/index.ts";
import { envelopeRow, objectRow, planOf, ROOMY, versionRow } from "../../core/storage/test-support/rows.ts";

const [path, batchesText, pause] = process.argv.slice(2);
const BATCH = 40;
/** A few KiB per envelope, so a batch spans many pages and the WAL holds uncommitted frames. */
const filler = "x".repeat(3000);

function planAt(seq: number) {
  const id = `e${seq}`;
  const envelope = envelopeRow(seq, id, { text: `${id} ${filler}`, deps: seq > 1 ? [`e${seq - 1}`] : [] });
  return planOf(envelope, { objects: [objectRow(`o${seq}`, seq, id)], versions: [versionRow(`o${seq}`, seq, id)] });
}

async function main(): Promise<void> {
  const storage = new SqliteStorage(path!);
  const opened = await storage.open();
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  console.log(`opened ${opened.value.globalSeq}`);
  for (let batch = 1; ; batch++) {
    const last = batch === Number(batchesText);
    const result = await storage.runWrite(async (tx) => {
      for (let i = 0; i < BATCH; i++) {
        const applied = await tx.apply(planAt(tx.globalSeq + 1), ROOMY);
        if (!applied.ok) throw new Error(JSON.stringify(applied.error));
      }
      if (last && pause === "yes") {
        console.log(`inside ${tx.globalSeq}`);
        // Held open until the parent kills this process.
        await new Promise<never>(() => setInterval(() => undefined, 60_000));
      }
    });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    console.log(`committed ${storage.globalSeq}`);
  }
}

void main();
