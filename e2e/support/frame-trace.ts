// The frame trace of the app journeys: every message an app frame of a page was sent over its
// MessagePort, as text, so a journey can show what a person's app frames never received. Each frame
// keeps its own record (an init script), read with `frame.evaluate`: a Playwright binding call made
// before the binding reached a new (out-of-process) frame, or after the frame went, would be lost.
import type { FrameLocator, Page } from "playwright-core";
import { appFrame, openFromHome } from "./people.ts";

type Traced = { __trace?: string[] };

export class FrameTrace {
  private readonly kept: string[] = [];

  private constructor(private readonly page: Page) {}

  /** Install before any app opens: from then on every app frame of `page` records what it is sent. */
  static async install(page: Page): Promise<FrameTrace> {
    await page.addInitScript(() => {
      if (window.parent === window) return;
      const traced = window as Traced;
      const trace: string[] = (traced.__trace = []);
      const hooked = new WeakSet<MessagePort>();
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called on each port with .call below
      const original = MessagePort.prototype.addEventListener;
      MessagePort.prototype.addEventListener = function (this: MessagePort, type: string, listener: unknown, options?: unknown) {
        // Once per port: Comlink adds (and removes) a listener per call.
        if (type === "message" && !hooked.has(this)) {
          hooked.add(this);
          original.call(this, "message", (e: Event) => void trace.push(JSON.stringify((e as MessageEvent).data)));
        }
        return original.call(this, type, listener as EventListener, options as AddEventListenerOptions);
      } as typeof MessagePort.prototype.addEventListener;
    });
    return new FrameTrace(page);
  }

  private async open(): Promise<string[]> {
    const frames = this.page.frames().filter((f) => f.parentFrame() !== null);
    const traces = await Promise.all(frames.map((f) => f.evaluate(() => (window as Traced).__trace ?? []).catch(() => [] as string[])));
    return traces.flat();
  }

  /**
   * Opens an app from Home with its frame traced from its first message. The init script can reach
   * a srcdoc frame too late (after the SDK listened on its port): such a frame is closed unread and
   * opened again, so every frame whose screen the journey relies on is traced whole.
   */
  async openApp(slug: string): Promise<FrameLocator> {
    for (let attempt = 1; ; attempt++) {
      const frame = await openFromHome(this.page, slug);
      // Its first call (whoAmI, answered with the app's name) is in the trace: traced from the start.
      const first = await appFrame(this.page).evaluate(() => (window as Traced).__trace?.[0] ?? "");
      if (first.includes(`"app":"${slug}"`)) return frame;
      if (attempt === 5) throw new Error(`${slug}: the frame trace missed the app's port ${attempt} times`);
      await this.page.getByTestId("close-app").click();
      await this.page.locator('[data-testid="app-frame"]').waitFor({ state: "detached" });
    }
  }

  /** Call before closing an app frame: what it was sent stays in the trace. */
  async keep(): Promise<void> {
    this.kept.push(...(await this.open()));
  }

  /** Everything the app frames were sent: the closed ones (kept) and the open ones. */
  async text(): Promise<string> {
    return [...this.kept, ...(await this.open())].join("\n");
  }

  /** Waits until the trace holds `text`: the positive control that the trace sees what a frame shows. */
  async shows(text: string, timeoutMs = 90_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await this.text()).includes(text)) {
      if (Date.now() > until) throw new Error(`the frame trace never showed "${text}"`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
