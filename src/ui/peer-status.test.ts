// The Peers page's words and bar, from session snapshots as the worker sends them.
import { describe, expect, it } from "vitest";
import type { PeerSummary } from "../rpc/node-api.ts";
import { initials } from "./display-format.ts";
import {
  closeWords,
  inviteStatus,
  needsAttention,
  peerCountsParts,
  peerIdentityParts,
  peerProgress,
  peerTitle,
  STATE_WORDS,
} from "./peer-status.ts";

describe("peer status in words", () => {
  it("has words for every state, none of them a code", () => {
    for (const words of Object.values(STATE_WORDS)) expect(words).toMatch(/^[A-Z][a-z ]+$/);
  });

  const peer = (state: PeerSummary["state"], done: number, total: number, upToDate = false) => ({
    state,
    progress: { done, total },
    upToDate,
  });

  it("counts the changes received from the peer, of how many it said it had", () => {
    expect(peerProgress(peer("syncing", 1_240, 2_039))).toEqual({
      done: 1_240,
      total: 2_039,
      upToDate: false,
      label: `${(1_240).toLocaleString()} of ${(2_039).toLocaleString()} changes`,
    });
  });

  it("ends at M when the session is up to date, whatever was counted on the way", () => {
    const p = peerProgress(peer("live", 2_000, 2_039, true));
    expect([p.done, p.total, p.upToDate]).toEqual([2_039, 2_039, true]);
    expect(p.label).toMatch(/^Up to date/);
    expect(peerProgress(peer("live", 0, 0, true)).label).toBe("Up to date");
  });

  it("never shows more done than there is", () => {
    expect(peerProgress(peer("syncing", 99, 40)).done).toBe(40);
  });

  it("is indeterminate before the hello", () => {
    for (const state of ["connecting", "challenged", "admitted"] as const)
      expect(peerProgress(peer(state, 0, 0))).toMatchObject({ done: undefined, total: undefined });
  });

  it("shows red only for an end the person can act on, never for a recovered error on a running session", () => {
    expect(needsAttention({ state: "live", closeReason: null })).toBe(false);
    expect(needsAttention({ state: "syncing", closeReason: null })).toBe(false);
    expect(needsAttention({ state: "closed", closeReason: "closed_locally" })).toBe(false);
    expect(needsAttention({ state: "closed", closeReason: "link_lost" })).toBe(false);
    expect(needsAttention({ state: "closed", closeReason: "hello_rejected" })).toBe(true);
    expect(needsAttention({ state: "closed", closeReason: "connection_failed" })).toBe(true);
  });

  it("says why a session ended in words, and something plain for a reason it does not know", () => {
    expect(closeWords("closed_locally")).toBe("You disconnected.");
    expect(closeWords("ERR_SOMETHING_NEW")).toBe("The connection ended.");
    expect(closeWords(null)).toBe("");
  });

  describe("who a row is titled as (ADR 0030)", () => {
    const ben: { identityId: string; name: string; device: string | null } = { identityId: "id-ben", name: "Ben 🧑🏽‍🚀", device: null };
    const row = (peerIdentity: string | null, person: typeof ben | null) => ({ sessionId: "peer-3", peerIdentity, person });

    it("is the person once the hello proved the node and the graph names its person, over a name given to the node", () => {
      expect(peerTitle(row("node-b", ben), "Ben's laptop")).toEqual({
        title: "Ben 🧑🏽‍🚀",
        avatarName: "Ben 🧑🏽‍🚀",
        avatarId: "id-ben",
        shownAs: "person",
      });
      // The avatar's initials keep the astronaut whole (one grapheme of five code points).
      expect(initials(peerTitle(row("node-b", ben), null).avatarName)).toBe("B🧑🏽‍🚀");
    });

    it("titles a person's paired device by the person first, then the device's label; colour and initials stay the person's", () => {
      const phone = { ...ben, device: "Phone" };
      expect(peerTitle(row("node-p", phone), "Someone's phone")).toEqual({
        title: "Ben 🧑🏽‍🚀 (Phone)",
        avatarName: "Ben 🧑🏽‍🚀",
        avatarId: "id-ben",
        shownAs: "person",
      });
    });

    it("falls back to the name given to the proven node, then to words, and names nobody before a hello", () => {
      expect(peerTitle(row("node-b", null), "Ben's laptop")).toMatchObject({ title: "Ben's laptop", avatarId: "node-b", shownAs: "node" });
      expect(peerTitle(row("node-b", null), null)).toMatchObject({
        title: "A device you have not named",
        avatarName: null,
        shownAs: "unnamed",
      });
      expect(peerTitle(row(null, ben), "Ben's laptop")).toMatchObject({
        title: "Someone connecting",
        avatarId: "peer-3",
        shownAs: "unproven",
      });
    });
  });

  describe("the invite card's line follows its link and session", () => {
    const link = (phase: string, closeReason: string | null = null) => ({ phase, closeReason });
    const session = (state: PeerSummary["state"], done: number, total: number, upToDate = false) => ({
      ...peer(state, done, total, upToDate),
      closeReason: state === "closed" ? "closed_by_peer" : null,
    });

    it("connects, then syncs N of M, then is up to date", () => {
      expect(inviteStatus(link("connecting"), undefined)).toEqual({ state: "connecting", text: "Connecting…" });
      expect(inviteStatus(link("attached"), session("admitted", 0, 0))).toMatchObject({ state: "connecting" });
      expect(inviteStatus(link("attached"), session("syncing", 12, 40))).toEqual({ state: "syncing", text: "Syncing · 12 of 40 changes" });
      expect(inviteStatus(link("attached"), session("live", 40, 40, true))).toEqual({
        state: "up_to_date",
        text: "Connected · Up to date · 40 of 40 changes",
      });
      expect(inviteStatus(link("attached"), session("live", 0, 0, true))).toMatchObject({
        state: "up_to_date",
        text: "Connected · Up to date",
      });
    });

    it("says so when the session or the link ended, in words", () => {
      expect(inviteStatus(link("closed"), session("closed", 3, 3, true))).toEqual({
        state: "ended",
        text: "Disconnected. They disconnected.",
      });
      expect(inviteStatus(link("closed", "ERR_RESOURCE_PEER_LIMIT"), undefined)).toEqual({
        state: "ended",
        text: "Disconnected. The connection ended.",
      });
    });
  });
});

describe("a peer card's detail lines", () => {
  it("holds only the parts that are there", () => {
    const counts = { packagesIn: 12, packagesOut: 3 };
    expect(peerCountsParts(counts, undefined)).toEqual(["12 packages in", "3 out"]);
    expect(peerCountsParts(counts, "attached")).toEqual(["12 packages in", "3 out", "link attached"]);
    expect(peerIdentityParts({ peerIdentity: null, person: null })).toEqual(["Identity not proven yet"]);
    expect(peerIdentityParts({ peerIdentity: "node-1", person: null })).toEqual(["Proven node node-1"]);
    const person = { identityId: "ident-1", name: "Ada", device: null };
    expect(peerIdentityParts({ peerIdentity: "node-1", person })).toEqual(["Proven node node-1", "speaks for ident-1"]);
  });
});
