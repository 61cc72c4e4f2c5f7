// A raw WebRTC peer for the hostile-peer journey: plain browser APIs, no app code. It speaks the
// relay and rendezvous protocol (signal/, src/peering/relay-rendezvous.ts), opens one data channel
// with the first member it meets (127.0.0.1 candidates only), and hands raw channel messages to the
// test (`window.__hostileReceive`) and back (`window.__hostile.send`). Evaluated as source text, so
// the test runner's transpiler never rewrites it.
window.__openRawLink = async (relayUrl, room) => {
  const ws = new WebSocket(relayUrl);
  let me = "";
  let pc;
  const loopbackOnly = (sdp) =>
    sdp
      .split("\r\n")
      .filter((line) => !line.startsWith("a=candidate") || line.includes(" 127.0.0.1 "))
      .join("\r\n");
  const gathered = (conn) =>
    new Promise((resolve) => {
      if (conn.iceGatheringState === "complete") return resolve();
      conn.addEventListener("icegatheringstatechange", () => conn.iceGatheringState === "complete" && resolve());
    });
  const useChannel = (dc) => {
    dc.binaryType = "arraybuffer";
    dc.onmessage = (event) => void window.__hostileReceive([...new Uint8Array(event.data)]);
    // After the far side cuts the link, sends go nowhere (as on a real network) instead of throwing.
    dc.onopen = () => (window.__hostile = { send: (bytes) => dc.readyState === "open" && dc.send(new Uint8Array(bytes)) });
  };
  const post = (body) => ws.send(JSON.stringify({ type: "post", body }));
  const start = async (remote) => {
    pc = new RTCPeerConnection({ iceServers: [] });
    if (me < remote) {
      useChannel(pc.createDataChannel("raw", { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      post({ kind: "signal", to: remote, attempt: 0, data: { type: "offer", sdp: loopbackOnly(pc.localDescription.sdp) } });
    } else {
      pc.ondatachannel = (event) => useChannel(event.channel);
    }
  };
  ws.onmessage = async (event) => {
    const frame = JSON.parse(String(event.data));
    if (frame.type === "joined") {
      me = frame.member;
      post({ kind: "announce" });
    } else if (frame.type === "message" && typeof frame.from === "string") {
      const body = frame.body;
      if (body?.kind === "announce" && pc === undefined) await start(frame.from);
      else if (body?.kind === "signal" && body.to === me) {
        if (pc === undefined) await start(frame.from);
        await pc.setRemoteDescription({ type: body.data.type, sdp: loopbackOnly(body.data.sdp) });
        if (body.data.type === "offer") {
          await pc.setLocalDescription(await pc.createAnswer());
          await gathered(pc);
          post({
            kind: "signal",
            to: frame.from,
            attempt: body.attempt,
            data: { type: "answer", sdp: loopbackOnly(pc.localDescription.sdp) },
          });
        }
      }
    }
  };
  await new Promise((resolve) => (ws.onopen = () => resolve()));
  ws.send(JSON.stringify({ type: "join", room }));
};
