// A porRoot leaf with its proof, from what is public: the certified header read back from the chain (the calldata of
// the transaction that certified it) and the epoch's leaves a keeper serves. Lets the demo (and any integrator) show
// a provider's proven capacity and uptime to the ResourceMarket without validator keys.
import type { Header } from "../../keeper/src/checkpoint/header.js";
import { proofOf, resourceLeaf, type ProvenResources } from "../../keeper/src/checkpoint/leaves.js";
import type { PorLeafProof } from "./market-demo.js";

export { certifiedHeaderAt } from "../../keeper/src/chain/certified-header.js";

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
