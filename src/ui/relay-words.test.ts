// Every reason the relay client gives for a failed join has advice; an unknown one still gets some.
import { describe, expect, it } from "vitest";
import { relayAdvice } from "./relay-words.ts";

describe("relay advice", () => {
  it.each(["invalid_url", "invalid_room", "relay_unreachable", "relay_timeout", "relay_closed", "relay_refused", "already_in_room"])(
    "says what to do for %s",
    (reason) => {
      expect(relayAdvice(reason)).not.toBe(relayAdvice("something_else"));
      expect(relayAdvice(reason)).not.toMatch(/ERR_/);
    },
  );

  it("advises plainly on a reason it does not know", () => {
    expect(relayAdvice("future_reason")).toMatch(/^Try again/);
  });
});
