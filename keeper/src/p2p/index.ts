export {
  InMemoryOperatorDirectory,
  isActive,
  type OperatorDirectory,
  type OperatorRecord,
  type OperatorStatus,
} from "./directory.js";
export { Discovery, KEEPER_SERVICE, serviceCid, type DiscoveryOptions } from "./discovery.js";
export {
  encodeEnvelope,
  EnvelopeError,
  gossipDigest,
  gossipDomain,
  parseEnvelope,
  recoverEnvelopeSigner,
  type Envelope,
  type EnvelopeSigner,
} from "./envelope.js";
export { Gossip, UnknownTopicError, type GossipHandler } from "./gossip.js";
export { HeartbeatService, type HeartbeatSeen } from "./heartbeat.js";
export { OperatorsFileError, readOperatorsFile } from "./operators-file.js";
export { P2pNode, type KeeperLibp2p, type P2pNodeModules } from "./p2p-node.js";
export {
  protocolId,
  ReqResp,
  RequestError,
  type ProtocolSpec,
  type RequestContext,
  type RequestHandler,
} from "./reqresp.js";
export { PushChannel, pushProtocolId, type PushHandler, type PushSpec } from "./push.js";
export { peerScoreParams, SCORE_THRESHOLDS, UNREGISTERED_SCORE } from "./score.js";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  defineTopic,
  heartbeatTopic,
  topicId,
  type GossipMessage,
  type Heartbeat,
  type TopicSpec,
  type ValidationResult,
  type ValidationVerdict,
} from "./topics.js";
