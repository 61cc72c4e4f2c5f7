// A raw `ws` client for relay tests: sends any bytes, and hands back every frame the relay sends in
// order, so a test can assert the next frame exactly (no sleeps: it awaits the frame or the close).
import { WebSocket } from "ws";

export type Frame = { readonly type: string; readonly [key: string]: unknown };
export type Closed = { readonly code: number; readonly reason: string };

export type TestClient = {
  readonly socket: WebSocket;
  /** Pings received from the relay so far. */
  pings(): number;
  /** The next frame; rejects if the socket closes first. */
  next(): Promise<Frame>;
  /** Frames received and not yet taken by next(). */
  pending(): readonly Frame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  readonly closed: Promise<Closed>;
  close(): Promise<Closed>;
};

export type ConnectOptions = {
  /** Source address, another loopback one (127.0.0.2 …) to stand for another host. */
  readonly localAddress?: string;
  /** `false`: a silent socket that does not even answer the relay's pings. */
  readonly autoPong?: boolean;
};

export async function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, { ...options });
  const queue: Frame[] = [];
  const waiters: { resolve(f: Frame): void; reject(e: Error): void }[] = [];
  let closedWith: Closed | undefined;
  const closed = new Promise<Closed>((resolve) => {
    socket.on("close", (code, reason) => {
      closedWith = { code, reason: reason.toString() };
      for (const w of waiters.splice(0)) w.reject(new Error(`closed ${code} ${closedWith.reason} before a frame`));
      resolve(closedWith);
    });
  });
  socket.on("error", () => {}); // surfaced as the close
  let pings = 0;
  socket.on("ping", () => pings++);
  socket.on("message", (data) => {
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Uint8Array)).toString("utf8");
    const frame = JSON.parse(text) as Frame;
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(frame);
    else queue.push(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("close", (code) => reject(new Error(`closed ${code} before open`)));
  });
  return {
    socket,
    next() {
      const frame = queue.shift();
      if (frame) return Promise.resolve(frame);
      if (closedWith) return Promise.reject(new Error(`closed ${closedWith.code} before a frame`));
      return new Promise<Frame>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    pending: () => [...queue],
    pings: () => pings,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data, binary = false) => socket.send(data, { binary }),
    closed,
    close() {
      socket.close(1000);
      return closed;
    },
  };
}

/** Connects and joins `room`; returns the client and its server-assigned member id. */
export async function joinedClient(
  url: string,
  room: string,
  options: ConnectOptions = {},
): Promise<{ client: TestClient; member: string; members: number }> {
  const client = await connect(url, options);
  client.send({ type: "join", room });
  const joined = await client.next();
  if (joined.type !== "joined") throw new Error(`expected joined, got ${JSON.stringify(joined)}`);
  return { client, member: joined["member"] as string, members: joined["members"] as number };
}
