export * from "./header.js";
export * from "./validator-set.js";
export * from "./certificate.js";
