// The bench inside a dedicated worker: same code as in Node, measured where the node really runs.
import { runProtocolBench } from "../protocol-bench.ts";

self.onmessage = (event: MessageEvent<{ seconds: number; corpus: number }>) => {
  runProtocolBench(event.data).then(
    (rows) => self.postMessage({ rows }),
    (error: unknown) => self.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
};
