// An executor's signed result of one task round: what executors gossip and what a proposal's task
// slice carries. The signature (the executor's validator signer over a domain-separated digest)
// lets every validator check a slice without having seen the gossip.
import { AbiCoder, keccak256, recoverAddress } from "ethers";
import { z } from "zod";
import { defineTopic } from "../p2p/topics.js";

/** Largest result bytes (a wasm output is capped at 4,096 bytes by the spec). */
export const MAX_RESULT_BYTES = 4096;

export const SignedResultJson = z.strictObject({
  taskId: z.string().regex(/^\d{1,78}$/),
  round: z.int().nonnegative().max(0xffffffff),
  /** the executor's validator signer, lowercase */
  signer: z.string().regex(/^0x[0-9a-f]{40}$/),
  /** false = a recorded failure (`code` says which) */
  ok: z.boolean(),
  /** http-oracle: abi.encode(int256 value); wasm: the output bytes; 0x when !ok */
  result: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2})*$/)
    .max(2 + 2 * MAX_RESULT_BYTES),
  code: z.string().max(32),
  sig: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});
export type SignedResult = z.infer<typeof SignedResultJson>;

export interface ResultDomain {
  chainId: bigint;
  taskManager: string;
}

/** Where the signed results travel; a result whose signature is not its signer's is rejected. */
export function taskResultTopic(domain: ResultDomain) {
  return defineTopic({
    name: "task-result",
    maxBytes: 12 * 1024,
    schema: SignedResultJson,
    validate(msg) {
      try {
        return recoverResultSigner(msg.payload, domain) === msg.payload.signer ? "accept" : "reject";
      } catch {
        return "reject";
      }
    },
  });
}

const coder = AbiCoder.defaultAbiCoder();

export function resultDigest(r: Omit<SignedResult, "sig" | "signer">, domain: ResultDomain): string {
  return keccak256(
    coder.encode(
      ["string", "uint256", "address", "uint256", "uint32", "bool", "bytes", "string"],
      [
        "openmesh.task-result.v1",
        domain.chainId,
        domain.taskManager,
        BigInt(r.taskId),
        r.round,
        r.ok,
        r.result,
        r.code,
      ],
    ),
  );
}

/** The lowercase signer the result's signature recovers to (throws when malformed). */
export function recoverResultSigner(r: SignedResult, domain: ResultDomain): string {
  return recoverAddress(resultDigest(r, domain), r.sig).toLowerCase();
}

export const resultKey = (taskId: bigint | string, round: number): string => `${taskId.toString()}/${round}`;

/** abi.encode(int256): an http-oracle result as the leaf carries it. */
export const encodeValue = (v: bigint): string => coder.encode(["int256"], [v]);
export function decodeValue(result: string): bigint | undefined {
  if (result.length !== 66) return undefined;
  return coder.decode(["int256"], result)[0] as bigint;
}
