// Headers and quorum certificates signed by real validator keys, exactly as keepers produce them.
import { buildBlsCertificate, buildEcdsaCertificate } from "../../keeper/src/checkpoint/certificate.js";
import {
  checkpointDomain,
  headerHash,
  headerTuple,
  voteDigest,
  VoteType,
  ZERO_HASH,
  type Header,
} from "../../keeper/src/checkpoint/header.js";
import type { ValidatorSetTree } from "../../keeper/src/checkpoint/validator-set.js";
import type { Deployed } from "../../scripts/lib/deploy.js";
import { blsSign, ecdsaSign, type TestValidator } from "./validators.js";

export function makeHeader(fields: Partial<Header> & Pick<Header, "epoch" | "height">): Header {
  return {
    chainId: 31337n,
    parentHash: ZERO_HASH,
    porRoot: ZERO_HASH,
    taskRoot: ZERO_HASH,
    livenessRoot: ZERO_HASH,
    rewardsRoot: ZERO_HASH,
    totalRewards: 0n,
    faultsRoot: ZERO_HASH,
    ...fields,
  };
}

export async function precommitDigest(d: Deployed, header: Header, round = 0): Promise<string> {
  const domain = checkpointDomain(31337n, await d.checkpoints.getAddress());
  return voteDigest(domain, {
    voteType: VoteType.Precommit,
    epoch: header.epoch,
    height: header.height,
    round,
    valueHash: headerHash(header),
  });
}

/** Validators of the set (by leaf index) sign the header's precommit; returns a BLS certificate. */
export async function blsCertificate(
  d: Deployed,
  tree: ValidatorSetTree,
  bySigner: ReadonlyMap<string, TestValidator>,
  header: Header,
  signerIndices: number[],
  round = 0,
) {
  const digest = await precommitDigest(d, header, round);
  const sigs = new Map(signerIndices.map((i) => [i, blsSign(bySigner.get(tree.member(i).signer)!, digest)]));
  return buildBlsCertificate(tree, round, sigs);
}

export async function ecdsaCertificate(
  d: Deployed,
  tree: ValidatorSetTree,
  bySigner: ReadonlyMap<string, TestValidator>,
  header: Header,
  signerIndices: number[],
  round = 0,
) {
  const digest = await precommitDigest(d, header, round);
  return buildEcdsaCertificate(
    tree,
    round,
    signerIndices.map((i) => ({ index: i, signature: ecdsaSign(bySigner.get(tree.member(i).signer)!, digest) })),
  );
}

export { headerHash, headerTuple };
