// The persistence answer as the shell tracks it: a look never asks, an ask records the browser's
// answer, a browser without the API says so.
import { describe, expect, it } from "vitest";
import { createPersistence } from "./storage-persistence.ts";

function browser(answers: { persisted: boolean; grants: boolean }) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      persisted: () => {
        calls.push("persisted");
        return Promise.resolve(answers.persisted);
      },
      persist: () => {
        calls.push("persist");
        return Promise.resolve(answers.grants);
      },
    },
  };
}

describe("storage persistence", () => {
  it("a look at page load asks nothing and leaves the state 'not asked' when the data is not kept yet", async () => {
    const b = browser({ persisted: false, grants: true });
    const p = createPersistence(b.api);
    expect(await p.check()).toBe("not_asked");
    expect(b.calls).toEqual(["persisted"]);
    expect(p.asked()).toBe(false);
  });

  it("a look finds data the browser already keeps", async () => {
    const p = createPersistence(browser({ persisted: true, grants: false }).api);
    expect(await p.check()).toBe("persistent");
  });

  it("an ask the browser refuses is 'best effort'; one it grants is 'persistent'", async () => {
    const refused = createPersistence(browser({ persisted: false, grants: false }).api);
    expect(await refused.request()).toBe("best_effort");
    expect(refused.state()).toBe("best_effort");
    expect(refused.asked()).toBe(true);
    const granted = browser({ persisted: false, grants: true });
    const p = createPersistence(granted.api);
    expect(await p.request()).toBe("persistent");
    expect(granted.calls).toEqual(["persisted", "persist"]);
  });

  it("a failing browser call counts as a refusal, not a crash", async () => {
    const p = createPersistence({ persisted: () => Promise.reject(new Error("x")), persist: () => Promise.reject(new Error("y")) });
    expect(await p.request()).toBe("best_effort");
  });

  it("a browser without the API is 'unsupported' and is never asked", async () => {
    const p = createPersistence(null);
    expect(p.state()).toBe("unsupported");
    expect(await p.request()).toBe("unsupported");
    expect(p.asked()).toBe(false);
  });
});
