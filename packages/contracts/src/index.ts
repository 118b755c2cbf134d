// @openmesh/contracts: everything an integrator needs to call OpenMesh from ethers v6.
export * from "./generated/typechain/index.js";
export type * from "./generated/typechain/common.js";
export type * from "./generated/structs.js";
export * from "./generated/solidity.js";
export * from "./addresses.js";
export * from "./connect.js";
export * from "./constants.js";
export * from "./errors.js";
