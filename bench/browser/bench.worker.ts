// The bench inside a dedicated worker: same code as in Node, measured where the node really runs.
import { runProtocolBench } from "../protocol-bench.ts";
import { measureRecoveryKdf } from "../recovery-kdf-bench.ts";

self.onmessage = (event: MessageEvent<{ seconds: number; corpus: number; kdfRuns: number }>) => {
  runProtocolBench(event.data).then(
    async (rows) => self.postMessage({ rows, kdf: await measureRecoveryKdf(event.data.kdfRuns) }),
    (error: unknown) => self.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
};
