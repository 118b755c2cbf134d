// The resource market on the real deployed protocol: an operator's proven resources in a porRoot leaf of a header
// certified by the epoch's real validator keys (as keepers certify), shown to the market with its proof.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { proofOf, resourceLeaf, rootOf, type ProvenResources } from "../../keeper/src/checkpoint/leaves.js";
import type { Header } from "../../keeper/src/checkpoint/header.js";
import type { ValidatorSetTree } from "../../keeper/src/checkpoint/validator-set.js";
import { epochSetFromEventArgs, treeOfEpoch } from "../../keeper/src/checkpoint/epoch.js";
import type { Deployed } from "../../scripts/lib/deploy.js";
import { advanceEpoch, deployFourOperators, OPEN, type RegisteredOperator } from "./operators.js";
import { blsCertificate, makeHeader } from "./checkpoints.js";
import type { TestValidator } from "./validators.js";

export const HOUR = 3600n;

/** A machine's proven resources with full uptime (tests override fields). */
export function proven(fields: Partial<ProvenResources> = {}): ProvenResources {
  return {
    cpuCores: 16n,
    bandwidthMbps: 1000n,
    memoryMiB: 32768n,
    storageGiB: 1000n,
    latencyUs: 800n,
    uptimeBps: 10_000n,
    ...fields,
  };
}

export interface PorLeaf {
  header: Header;
  operator: string;
  resources: ProvenResources;
  proof: string[];
}

/**
 * Certifies headers with porRoot leaves using the current epoch's validator keys. Holds no chain state of its own (the
 * epoch and its set are read from the chain each time), so it stays right across loadFixture snapshot reverts.
 */
export class PorCertifier {
  constructor(
    private readonly d: Deployed,
    private readonly bySigner: ReadonlyMap<string, TestValidator>,
    private readonly networkHelpers: NetworkHelpers,
  ) {}

  /** Waits out the current epoch and starts the next; later headers are of the new epoch. */
  async advance(): Promise<bigint> {
    const { set } = await advanceEpoch(this.d, this.networkHelpers);
    return set.epoch;
  }

  async currentEpoch(): Promise<bigint> {
    return this.d.validatorSets.currentEpoch();
  }

  /** The current epoch's frozen set, from its EpochAdvanced event (as keepers read it). */
  private async currentTree(): Promise<{ epoch: bigint; tree: ValidatorSetTree }> {
    const epoch = await this.currentEpoch();
    const [log] = await this.d.validatorSets.queryFilter(this.d.validatorSets.filters.EpochAdvanced(epoch));
    if (!log) throw new Error(`no EpochAdvanced(${epoch}) event`);
    return { epoch, tree: treeOfEpoch(epochSetFromEventArgs(log.args, log.blockNumber)) };
  }

  /** Certifies the next header of the current epoch with a porRoot over `leaves`; returns each leaf's proof. */
  async certify(leaves: Array<{ operator: string; resources: ProvenResources }>): Promise<PorLeaf[]> {
    const values = leaves.map((l) => resourceLeaf(l.operator, l.resources));
    const { epoch, tree } = await this.currentTree();
    const latest = await this.d.checkpoints.latestHeight();
    const header = makeHeader({
      epoch,
      height: latest + 1n,
      parentHash: await this.d.checkpoints.checkpointHash(latest),
      porRoot: rootOf("resource", values),
    });
    const all = tree.members.map((m) => m.index);
    const cert = await blsCertificate(this.d, tree, this.bySigner, header, all);
    await (await this.d.checkpoints.submitCheckpointBls(header, cert)).wait();
    return leaves.map((l, i) => ({ header, ...l, proof: proofOf("resource", values, i) }));
  }

  /** Certifies one operator's leaf and shows it to the market. */
  async prove(operator: string, resources: ProvenResources): Promise<PorLeaf> {
    const [leaf] = await this.certify([{ operator, resources }]);
    await (await this.d.market.proveResources(leaf!.header, operator, resources, leaf!.proof)).wait();
    return leaf!;
  }
}

export interface MarketFixture {
  d: Deployed;
  ops: RegisteredOperator[];
  /** operator 0's owner: the provider in most tests */
  provider: HardhatEthersSigner;
  renters: HardhatEthersSigner[];
  por: PorCertifier;
}

/** The protocol deployed, 4 operators staked and frozen in epoch 1's set, renters funded with OPEN. */
export async function deployMarket(ethers: HardhatEthers, networkHelpers: NetworkHelpers): Promise<MarketFixture> {
  const { d, signers, owners, ops, bySigner } = await deployFourOperators(ethers);
  const por = new PorCertifier(d, bySigner, networkHelpers);
  await por.advance(); // epoch 1: the operators' set is frozen
  const renters = signers.slice(15, 19);
  const [funder] = signers;
  for (const r of renters) await (await d.token.connect(funder).transfer(r.address, 100_000n * OPEN)).wait();
  return { d, ops, provider: owners[0]!, renters, por };
}
