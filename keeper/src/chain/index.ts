export { ChainClient, ChainConfigError, type ChainClientModules } from "./client.js";
export {
  DeploymentError,
  loadDeployment,
  PACKAGE_ROOT,
  type DeployedContractInfo,
  type Deployment,
  type DeploymentRecord,
} from "./deployment.js";
export { ErrorDecoder, revertDataOf, type DecodedRevert } from "./errors.js";
export {
  EventWatcher,
  type EventWatcherModules,
  type EventWatcherOptions,
  type ReorgInfo,
  type WatchCursor,
} from "./event-watcher.js";
export { backoffDelay, isTransientRpcError, sleep, type BackoffOptions } from "./retry.js";
export {
  DEFAULT_TX_SENDER_OPTIONS,
  TxRevertedError,
  TxSender,
  TxSenderInUseError,
  TxTimeoutError,
  type TxSenderModules,
  type TxSenderOptions,
} from "./tx-sender.js";
