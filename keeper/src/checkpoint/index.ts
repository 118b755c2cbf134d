export * from "./header.js";
export * from "./validator-set.js";
export * from "./certificate.js";
export * from "./epoch.js";
export * from "./leaves.js";
export * from "./liveness.js";
export * from "./rewards.js";
export * from "./payload.js";
