// The header certified at a height, read back from public chain data: the CheckpointStore keeps only
// its hash, so the header comes from the calldata of the transaction that certified it. What anyone
// needs to relay a header over CCIP or to prove a leaf without running a keeper.
import type { Provider } from "ethers";
import { headerHash, headerTuple, type Header } from "../checkpoint/header.js";
import type { CheckpointStore } from "../../../types/ethers-contracts/index.js";

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
  // a Result: copy its named fields into a plain header
  const header: Header = headerTuple(call.args[0] as Header);
  if (headerHash(header) !== hash) throw new Error(`decoded header at ${height} does not hash to the certified one`);
  return header;
}
