// Per-address bookkeeping for the relay (ADR 0016): how many sockets an address holds and how many of
// its members sit in each room. Counts only; the relay decides what a full quota means. An entry is
// deleted when its last socket closes, so the book never outgrows the open sockets.
import type { Socket } from "node:net";
import { addressKey } from "./address-key.ts";

export type AddressQuota<Room> = {
  readonly key: string;
  /** Open WebSocket sockets from this address. */
  sockets: number;
  /** Members from this address, per room. */
  readonly rooms: Map<Room, number>;
};

export type AddressBook<Room> = {
  /** The quota of `key`, created empty if absent. */
  quota(key: string): AddressQuota<Room>;
  /** One socket of `quota` closed; drops the entry when none is left. */
  release(quota: AddressQuota<Room>): void;
  enter(quota: AddressQuota<Room>, room: Room): void;
  leave(quota: AddressQuota<Room>, room: Room): void;
  readonly size: number;
};

export function createAddressBook<Room>(): AddressBook<Room> {
  const entries = new Map<string, AddressQuota<Room>>();
  return {
    quota(key) {
      let quota = entries.get(key);
      if (!quota) {
        quota = { key, sockets: 0, rooms: new Map() };
        entries.set(key, quota);
      }
      return quota;
    },
    release(quota) {
      quota.sockets = Math.max(0, quota.sockets - 1);
      if (quota.sockets === 0 && quota.rooms.size === 0 && entries.get(quota.key) === quota) entries.delete(quota.key);
    },
    enter(quota, room) {
      quota.rooms.set(room, (quota.rooms.get(room) ?? 0) + 1);
    },
    leave(quota, room) {
      const left = (quota.rooms.get(room) ?? 0) - 1;
      if (left > 0) quota.rooms.set(room, left);
      else quota.rooms.delete(room);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Raw TCP connections per address, before and after any upgrade: one past `maxPerAddress` is
 * destroyed at once and reported; each closing connection frees its place.
 */
export function createTcpGate(maxPerAddress: number, onRefused: (key: string) => void): (tcp: Socket) => void {
  const open = new Map<string, number>();
  return (tcp) => {
    const key = addressKey(tcp.remoteAddress);
    const count = (open.get(key) ?? 0) + 1;
    if (count > maxPerAddress) {
      onRefused(key);
      tcp.destroy();
      return;
    }
    open.set(key, count);
    tcp.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  };
}
