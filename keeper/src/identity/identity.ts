// A keeper's three keys: the operator's ECDSA signer (gossip envelopes, votes, transactions),
// its BLS12-381 key (aggregate certificate shares; registered on chain with a proof of
// possession), and its libp2p Ed25519 key (the peer id, bound to the registration).
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { Wallet, getAddress, getBytes as hexToBytes, hexlify as bytesToHex } from "ethers";
import { generateSecretKey, proofOfPossession, publicKeyG2 } from "../crypto/bls.js";
import type { Logger } from "../observability/logger.js";
import {
  BlsKeyFileSchema,
  checkKeyDir,
  IdentityError,
  KEY_FILES,
  Libp2pKeyFileSchema,
  prepareKeyDir,
  readKeyFile,
  SignerKeyFileSchema,
  writeKeyFile,
} from "./keyfiles.js";

export interface BlsKey {
  secretKey: Uint8Array;
  /** EIP-2537 G2 bytes (256) */
  publicKey: Uint8Array;
}

/** What `init` prints and `register` submits. */
export interface PublicIdentity {
  peerId: string;
  signerAddress: string;
  blsPublicKey: string;
}

export class KeeperIdentity {
  private constructor(
    readonly signer: Wallet,
    readonly bls: BlsKey,
    readonly libp2pKey: PrivateKey,
    readonly peerId: PeerId,
  ) {}

  get signerAddress(): string {
    return this.signer.address;
  }

  get public(): PublicIdentity {
    return {
      peerId: this.peerId.toString(),
      signerAddress: this.signer.address,
      blsPublicKey: bytesToHex(this.bls.publicKey),
    };
  }

  /**
   * The BLS proof of possession for a registration by `operator` (the owner address that sends
   * `register` or `rotateBlsKey`): a signature over the key followed by that address (crypto/bls.ts
   * popMessage), so nobody else can register this key with it.
   */
  proofOfPossession(operator: string): Uint8Array {
    return proofOfPossession(this.bls.secretKey, operator);
  }

  /** Generates fresh keys into `keyDir` (created 0700, files 0600); never replaces existing keys. */
  static async generate(keyDir: string): Promise<KeeperIdentity> {
    prepareKeyDir(keyDir);
    const signer = Wallet.createRandom();
    const secretKey = generateSecretKey();
    const bls = { secretKey, publicKey: publicKeyG2(secretKey) };
    writeKeyFile(keyDir, KEY_FILES.signer, {
      type: "openmesh-signer",
      version: 1,
      address: signer.address,
      privateKey: signer.privateKey,
    });
    writeKeyFile(keyDir, KEY_FILES.bls, {
      type: "openmesh-bls12381",
      version: 1,
      publicKey: bytesToHex(bls.publicKey),
      secretKey: bytesToHex(bls.secretKey),
    });
    await writeNewLibp2pKey(keyDir, KEY_FILES.libp2p);
    const { libp2pKey, peerId } = readLibp2pKey(keyDir, KEY_FILES.libp2p);
    return new KeeperIdentity(new Wallet(signer.privateKey), bls, libp2pKey, peerId);
  }

  /** Loads and cross-checks the keys in `config.keyDir`; throws IdentityError with the fix. */
  static async init({ config, logger }: { config: { keyDir: string }; logger?: Logger }): Promise<KeeperIdentity> {
    const { keyDir } = config;
    checkKeyDir(keyDir);

    const signerFile = readKeyFile(keyDir, KEY_FILES.signer, SignerKeyFileSchema);
    const signer = new Wallet(signerFile.privateKey);
    if (signer.address !== getAddress(signerFile.address)) {
      throw new IdentityError(
        "mismatch",
        `${KEY_FILES.signer}: the private key belongs to ${signer.address}, not ${signerFile.address}`,
      );
    }

    const blsFile = readKeyFile(keyDir, KEY_FILES.bls, BlsKeyFileSchema);
    const secretKey = hexToBytes(blsFile.secretKey);
    let publicKey: Uint8Array;
    try {
      publicKey = publicKeyG2(secretKey);
    } catch {
      throw new IdentityError("format", `${KEY_FILES.bls}: the secret key is not a valid BLS12-381 scalar`);
    }
    if (bytesToHex(publicKey) !== blsFile.publicKey.toLowerCase()) {
      throw new IdentityError("mismatch", `${KEY_FILES.bls}: the public key does not match the secret key`);
    }

    const { libp2pKey, peerId } = readLibp2pKey(keyDir, KEY_FILES.libp2p);

    const identity = new KeeperIdentity(signer, { secretKey, publicKey }, libp2pKey, peerId);
    logger?.info({ peerId: identity.public.peerId, signer: signer.address }, "identity loaded");
    return identity;
  }
}

/** Reads and checks a libp2p key file (`name` in `keyDir`): an Ed25519 key whose peer id matches the file's. */
export function readLibp2pKey(keyDir: string, name: string): { libp2pKey: PrivateKey; peerId: PeerId } {
  const libp2pFile = readKeyFile(keyDir, name, Libp2pKeyFileSchema);
  let libp2pKey: PrivateKey;
  try {
    libp2pKey = privateKeyFromProtobuf(hexToBytes(libp2pFile.privateKey));
  } catch {
    throw new IdentityError("format", `${name}: privateKey is not a libp2p protobuf private key`);
  }
  if (libp2pKey.type !== "Ed25519") {
    throw new IdentityError("format", `${name}: expected an Ed25519 key, found ${libp2pKey.type}`);
  }
  const peerId = peerIdFromPrivateKey(libp2pKey);
  if (peerId.toString() !== libp2pFile.peerId) {
    throw new IdentityError("mismatch", `${name}: the key's peer id is ${peerId.toString()}, not ${libp2pFile.peerId}`);
  }
  return { libp2pKey, peerId };
}

/** Writes a new libp2p key file `name` (never replacing one); returns its peer id. */
export async function writeNewLibp2pKey(keyDir: string, name: string): Promise<PeerId> {
  const libp2pKey = await generateKeyPair("Ed25519");
  const peerId = peerIdFromPrivateKey(libp2pKey);
  writeKeyFile(keyDir, name, {
    type: "openmesh-libp2p",
    version: 1,
    peerId: peerId.toString(),
    privateKey: bytesToHex(privateKeyToProtobuf(libp2pKey)),
  });
  return peerId;
}
