// One header over one CCIP lane: the steps the keepers' relayer and the `relay` CLI share. The
// lane is checked first (the sender refuses a second send), the fee quoted with getFee and paid in
// the sender's fee token (native value, or an ERC-20 such as LINK that the sender pulls, approved
// here), and the message id read back from the CheckpointRelayed event.
import { Contract, Interface, MaxUint256, ZeroAddress, type TransactionReceipt } from "ethers";
import { headerTuple, ZERO_HASH, type Header } from "../checkpoint/header.js";
import type { CheckpointSender } from "../../../types/ethers-contracts/index.js";

const ERC20 = new Interface([
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
]);

export interface LaneRelayContext {
  /** the CheckpointSender, connected for reads */
  sender: CheckpointSender;
  /** the account that pays the fee (and approves the fee token) */
  payer: string;
  /** sends a transaction from the payer and resolves with its mined receipt */
  send(request: { to: string; data: string; value?: bigint }): Promise<TransactionReceipt>;
  /**
   * ERC-20 fees: "exact" approves only the quoted fee (a one-off payer), "max" approves once for
   * good (a keeper that relays every few heights)
   */
  approve: "exact" | "max";
  /** checked right before each transaction: true sends nothing more (a stopped keeper) */
  aborted?(): boolean;
}

export type LaneRelayOutcome =
  | { kind: "already"; messageId: string }
  | { kind: "quoted"; fee: bigint; feeToken: string }
  | { kind: "aborted" }
  | { kind: "relayed"; messageId: string; fee: bigint; feeToken: string; receipt: TransactionReceipt };

/** Relays `header` (certified on the home chain) on `lane`, or only quotes the fee. */
export async function relayOnLane(
  ctx: LaneRelayContext,
  header: Header,
  lane: bigint,
  opts: { quoteOnly?: boolean } = {},
): Promise<LaneRelayOutcome> {
  const prior = await ctx.sender.relayedMessage(lane, header.height);
  if (prior !== ZERO_HASH) return { kind: "already", messageId: prior };
  const tuple = headerTuple(header);
  const [feeToken, fee] = await Promise.all([ctx.sender.feeToken(), ctx.sender.quoteFee(tuple, lane)]);
  if (opts.quoteOnly) return { kind: "quoted", fee, feeToken };
  const senderAddress = await ctx.sender.getAddress();
  const native = feeToken === ZeroAddress;
  if (!native) {
    const token = new Contract(feeToken, ERC20, ctx.sender.runner);
    const allowance = (await token.getFunction("allowance")(ctx.payer, senderAddress)) as bigint;
    if (allowance < fee) {
      if (ctx.aborted?.()) return { kind: "aborted" };
      const amount = ctx.approve === "max" ? MaxUint256 : fee;
      await ctx.send({ to: feeToken, data: ERC20.encodeFunctionData("approve", [senderAddress, amount]) });
    }
  }
  if (ctx.aborted?.()) return { kind: "aborted" };
  const receipt = await ctx.send({
    to: senderAddress,
    data: ctx.sender.interface.encodeFunctionData("relay", [tuple, lane]),
    value: native ? fee : 0n,
  });
  let messageId = ZERO_HASH;
  let paid = fee;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== senderAddress.toLowerCase()) continue;
    const parsed = ctx.sender.interface.parseLog(log);
    if (parsed?.name === "CheckpointRelayed") {
      messageId = parsed.args.messageId as string;
      paid = parsed.args.fee as bigint;
    }
  }
  return { kind: "relayed", messageId, fee: paid, feeToken, receipt };
}
