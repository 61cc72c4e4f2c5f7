// The live V8 heap of a page's dedicated worker, after a full GC, read over the Chrome DevTools
// Protocol: the page's session attaches to its workers (non-flat) and sends each one
// HeapProfiler.collectGarbage then Runtime.getHeapUsage. Workers whose URL matches `pick` count.
import type { BrowserContext, Page } from "playwright-core";

type Attached = { sessionId: string; targetInfo: { type: string; url: string } };
type Reply = { sessionId: string; message: string };

export async function workerHeapBytes(context: BrowserContext, page: Page, pick: RegExp): Promise<number> {
  const cdp = await context.newCDPSession(page);
  const workers: Attached[] = [];
  const pending = new Map<string, (result: { usedSize?: number }) => void>();
  cdp.on("Target.attachedToTarget", (event: Attached) => {
    if (event.targetInfo.type === "worker" && pick.test(event.targetInfo.url)) workers.push(event);
  });
  cdp.on("Target.receivedMessageFromTarget", (event: Reply) => {
    const reply = JSON.parse(event.message) as { id?: number; result?: { usedSize?: number } };
    pending.get(`${event.sessionId}:${reply.id}`)?.(reply.result ?? {});
  });
  const send = (sessionId: string, id: number, method: string) =>
    new Promise<{ usedSize?: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: the worker did not answer ${method}`)), 60_000);
      pending.set(`${sessionId}:${id}`, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      void cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method }) });
    });
  try {
    await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    // One attachedToTarget per running worker follows; a bounded poll on that state.
    for (let waited = 0; workers.length === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    if (workers.length === 0) throw new Error(`bench: no worker of the page matches ${pick}`);
    let total = 0;
    for (const worker of workers) {
      await send(worker.sessionId, 1, "HeapProfiler.collectGarbage");
      total += (await send(worker.sessionId, 2, "Runtime.getHeapUsage")).usedSize ?? 0;
    }
    return total;
  } finally {
    await cdp.detach();
  }
}
