// How the shell writes names for people: initials by grapheme, so no emoji or accent is cut in half.
import { describe, expect, it } from "vitest";
import { graphemes, initials, presentParts } from "./display-format.ts";

describe("initials", () => {
  it("takes the first letters of the first and last word, or the first two of one word", () => {
    expect(initials("Grace Brewster Hopper")).toBe("GH");
    expect(initials("ada")).toBe("AD");
    expect(initials("  Q  ")).toBe("Q");
  });

  it("keeps an emoji whole: joiner sequences, skin tones and flags are one character (never a lone surrogate)", () => {
    expect(initials("🧑‍🚀 Sally Ride")).toBe("🧑‍🚀R");
    expect(initials("👍🏽👍🏽👍🏽")).toBe("👍🏽👍🏽");
    expect(initials("🇩🇪 Berlin")).toBe("🇩🇪B");
    expect(initials("😀")).toBe("😀");
    for (const name of ["🧑‍🚀 Sally", "👩‍👩‍👧‍👦", "🇯🇵🇫🇷"])
      expect(initials(name)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("keeps a letter with its combining marks, and writes non-Latin scripts as they are", () => {
    expect(initials("e\u0301mile zola")).toBe("E\u0301Z");
    expect(initials("नमस्ते दुनिया")).toBe("नदु");
    expect(initials("سارا احمدی")).toBe("سا");
    expect(initials("山田太郎")).toBe("山田");
  });

  it("shows a question mark when there is no name", () => {
    expect(initials(null)).toBe("?");
    expect(initials("   ")).toBe("?");
  });
});

describe("graphemes", () => {
  it("splits by user-perceived character", () => {
    expect(graphemes("a🧑‍🚀e\u0301")).toEqual(["a", "🧑‍🚀", "e\u0301"]);
  });
});

describe("presentParts", () => {
  it("keeps only the parts that are there, in order, so no separator stands before a missing one", () => {
    expect(presentParts([undefined, "11 objects"])).toEqual(["11 objects"]);
    expect(presentParts(["", "11 objects"])).toEqual(["11 objects"]);
    expect(presentParts(["State digest ab12", null, "11 objects", false])).toEqual(["State digest ab12", "11 objects"]);
    expect(presentParts([null, false, ""])).toEqual([]);
  });

  it("keeps parts that are not text (a <code> element)", () => {
    const code = { tag: "code" };
    expect(presentParts([code, false, "11 objects"])).toEqual([code, "11 objects"]);
  });
});
