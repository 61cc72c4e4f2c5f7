// Test support of the network module: the transport contract suite and frame-trace printing.
// Tests only; production code never imports this folder.
export { runTransportContract, type TransportPair } from "./transport-contract.ts";
export { describeFrame, formatFrameTrace } from "./frame-trace.ts";
