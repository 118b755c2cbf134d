// AccessManager roles of a deployment. The deploy script grants exactly these, from this file.
export const accessRoles = {
  /** AccessManager's admin role: held by the timelock alone (governance) */
  ADMIN: 0n,
  /** the checkpoint store records each epoch's certified rewards */
  REWARDS_RECORDER: 1n,
  /** the rewards distributor pays claims into staking pools */
  REWARDS_PAYER: 2n,
  /** the evidence handler slashes, jails and tombstones */
  SLASHER: 3n,
  /** a CCIP token pool mints and burns RemoteOpenToken on a remote chain (docs/bridge.md) */
  TOKEN_POOL: 4n,
  /** the resource market mints and updates DvmAccess lease NFTs */
  LEASE_MINTER: 5n,
  /** AccessManager's public role: anyone */
  PUBLIC: 2n ** 64n - 1n,
} as const;
