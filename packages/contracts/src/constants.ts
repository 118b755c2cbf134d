// Protocol constants under the names an integrator looks for; the values come from the Solidity
// build (generated/solidity.ts), so they cannot drift from the contracts.
import type { TypedDataDomain } from "ethers";
import { eip712Domains, solidityConstants } from "./generated/solidity.js";

export { accessRoles } from "./roles.js";

/** BLS12-381 domain tag of consensus signatures (G1 signatures, keys in G2; RFC 9380 hash-to-curve). */
export const BLS_SIG_DST: string = solidityConstants.BLS12381.SIG_DST;
/** BLS12-381 domain tag of the proof of possession that `Staking.register` checks. */
export const BLS_POP_DST: string = solidityConstants.BLS12381.POP_DST;

/** EIP-712 domain of the CheckpointStore at `verifyingContract`: votes and headers are signed under it. */
export function checkpointDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { ...eip712Domains.CheckpointStore, chainId, verifyingContract };
}

/** EIP-712 domain of StakeVotes at `verifyingContract` (delegation of staked votes by signature). */
export function stakeVotesDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { ...eip712Domains.StakeVotes, chainId, verifyingContract };
}
