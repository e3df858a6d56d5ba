// Test peers: real loopback A2A servers (and a webhook) for the gateway's tests.
export type { CardUrlOption, PeerHandle, RecordedRequest } from "./http-peer.ts";
export { startFastA2AAgent, type FastA2AAgentHandle, type FastA2AAgentOptions } from "./fasta2a-agent.ts";
export { startSdkAgent, type SdkAgentHandle, type SdkAgentOptions } from "./sdk-agent.ts";
export { DEFECT_CHUNKS, DEFECT_MESSAGE_ID, startDefectAgent, type DefectAgentOptions } from "./defect-agent.ts";
export { startWebhookReceiver, type WebhookReceiverHandle, type WebhookRequest } from "./webhook-receiver.ts";
export { startFaultAgent, type FaultAgentOptions, type FaultMode } from "./fault-agent.ts";
export type { V03AgentCard, V03Artifact, V03Message, V03Part, V03Task, V03TaskState } from "./v03.ts";
