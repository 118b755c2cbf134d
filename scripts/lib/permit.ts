// ERC-2612 permits for OPEN: the typed-data signature a wallet makes so a contract can pull tokens in the same
// transaction that uses them (ResourceMarket.rentWithPermit).
import { Signature, type Signer } from "ethers";
import type { OpenToken } from "../../types/ethers-contracts/index.js";

export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** `owner` signs a permit letting `spender` pull `value` OPEN wei until `deadline` (unix seconds). */
export async function signPermit(
  token: OpenToken,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<PermitSignature> {
  const ownerAddress = await owner.getAddress();
  const [domain, nonce] = await Promise.all([token.eip712Domain(), token.nonces(ownerAddress)]);
  const signature = await owner.signTypedData(
    {
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: ownerAddress, spender, value, nonce, deadline },
  );
  const { v, r, s } = Signature.from(signature);
  return { deadline, v, r, s };
}
