// A porRoot leaf with its proof, from what is public: the certified header read back from the chain (the calldata of
// the transaction that certified it) and the epoch's leaves a keeper serves. Lets the demo (and any integrator) show
// a provider's proven capacity and uptime to the ResourceMarket without validator keys.
import type { Provider } from "ethers";
import { headerHash, type Header } from "../../keeper/src/checkpoint/header.js";
import { proofOf, resourceLeaf, type ProvenResources } from "../../keeper/src/checkpoint/leaves.js";
import type { CheckpointStore } from "../../types/ethers-contracts/index.js";
import type { PorLeafProof } from "./market-demo.js";

/** The header certified at `height`, decoded from its submitCheckpointBls / submitCheckpointEcdsa transaction. */
export async function certifiedHeaderAt(checkpoints: CheckpointStore, height: bigint): Promise<Header> {
  const hash = await checkpoints.checkpointHash(height);
  if (/^0x0+$/.test(hash)) throw new Error(`no header is certified at height ${height}`);
  const [event] = await checkpoints.queryFilter(checkpoints.filters.CheckpointCertified(undefined, height));
  if (!event) throw new Error(`no CheckpointCertified event for height ${height}`);
  const tx = await (checkpoints.runner!.provider as Provider).getTransaction(event.transactionHash);
  const call = tx && checkpoints.interface.parseTransaction({ data: tx.data });
  if (!call || (call.name !== "submitCheckpointBls" && call.name !== "submitCheckpointEcdsa")) {
    throw new Error(`height ${height} was certified by a call this reader cannot decode (${call?.name ?? "unknown"})`);
  }
  const h = call.args[0] as Header;
  const header: Header = {
    chainId: h.chainId,
    epoch: h.epoch,
    height: h.height,
    parentHash: h.parentHash,
    porRoot: h.porRoot,
    taskRoot: h.taskRoot,
    livenessRoot: h.livenessRoot,
    rewardsRoot: h.rewardsRoot,
    totalRewards: h.totalRewards,
    faultsRoot: h.faultsRoot,
  };
  if (headerHash(header) !== hash) throw new Error(`decoded header at ${height} does not hash to the certified one`);
  return header;
}

/** `operator`'s leaf among the leaves of `header`'s porRoot, with its proof. */
export function porLeafOf(
  header: Header,
  leaves: ReadonlyArray<{ operator: string; resources: ProvenResources }>,
  operator: string,
): PorLeafProof {
  const i = leaves.findIndex((l) => l.operator.toLowerCase() === operator.toLowerCase());
  if (i < 0) throw new Error(`operator ${operator} has no porRoot leaf at height ${header.height}`);
  const values = leaves.map((l) => resourceLeaf(l.operator, l.resources));
  return { header, resources: leaves[i]!.resources, proof: proofOf("resource", values, i) };
}
