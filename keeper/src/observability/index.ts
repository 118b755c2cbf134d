export { createLogger, moduleLogger, type Logger, type LoggerOptions } from "./logger.js";
export { createMetrics, type KeeperMetrics } from "./metrics.js";
export { ObservabilityServer, type HealthStatus, type HttpHandler, type ObservabilityServerModules } from "./server.js";
export { LogSummary, type LogSummaryJson } from "./log-summary.js";
