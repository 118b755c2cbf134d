import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { verifyProofOfPossession } from "../../../keeper/src/crypto/bls.js";
import { IdentityError, KEY_FILES, KeeperIdentity } from "../../../keeper/src/identity/index.js";

describe("keeper identity (key directory)", () => {
  let root: string;
  let keyDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "openmesh-keys-"));
    keyDir = join(root, "keys");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const load = () => KeeperIdentity.init({ config: { keyDir } });
  const rejects = async (code: string, pattern: RegExp) => {
    const err = await load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "load should fail").to.be.instanceOf(IdentityError);
    expect((err as IdentityError).code).to.equal(code);
    expect((err as Error).message).to.match(pattern);
  };
  const editFile = (name: string, edit: (json: Record<string, unknown>) => void) => {
    const path = join(keyDir, name);
    const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    edit(json);
    writeFileSync(path, JSON.stringify(json));
  };

  it("generates the three keys into a 0700 directory of 0600 files and loads the same identity back", async () => {
    const created = await KeeperIdentity.generate(keyDir);
    expect(statSync(keyDir).mode & 0o777).to.equal(0o700);
    for (const f of Object.values(KEY_FILES)) expect(statSync(join(keyDir, f)).mode & 0o777).to.equal(0o600);

    const loaded = await load();
    expect(loaded.public).to.deep.equal(created.public);
    expect(loaded.peerId.toString()).to.match(/^12D3KooW/);
    expect(loaded.libp2pKey.type).to.equal("Ed25519");
    expect(loaded.bls.publicKey.length).to.equal(256);
    const operator = Wallet.createRandom().address;
    expect(verifyProofOfPossession(loaded.bls.publicKey, loaded.proofOfPossession(operator), operator)).to.equal(true);
    expect(loaded.signer.signingKey.sign("0x" + "11".repeat(32)).serialized).to.equal(
      created.signer.signingKey.sign("0x" + "11".repeat(32)).serialized,
    );
  });

  it("refuses to overwrite existing keys", async () => {
    await KeeperIdentity.generate(keyDir);
    const err = await KeeperIdentity.generate(keyDir).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as IdentityError).code).to.equal("exists");
    expect((err as Error).message).to.match(/refusing to replace keys/);
  });

  it("says to run init when the directory does not exist", async () => {
    await rejects("missing", /does not exist: run `openmesh-keeper init` first/);
  });

  it("refuses a key directory others can enter, and a key file others can read", async () => {
    await KeeperIdentity.generate(keyDir);
    chmodSync(keyDir, 0o755);
    await rejects("permissions", /accessible by group or others \(mode 755\): run chmod 700/);
    chmodSync(keyDir, 0o700);
    chmodSync(join(keyDir, KEY_FILES.bls), 0o644);
    await rejects("permissions", /bls\.json is readable by group or others \(mode 644\): run chmod 600/);
  });

  it("names the file and field of a malformed key file", async () => {
    await KeeperIdentity.generate(keyDir);
    editFile(KEY_FILES.signer, (j) => (j.privateKey = "0x1234"));
    await rejects("format", /signer\.json has an unexpected format: privateKey: expected 0x \+ 32 bytes of hex/);
  });

  it("reports a key file that is not JSON", async () => {
    await KeeperIdentity.generate(keyDir);
    writeFileSync(join(keyDir, KEY_FILES.libp2p), "garbage");
    await rejects("format", /libp2p\.json is not valid JSON/);
  });

  it("detects a signer address that does not belong to the private key", async () => {
    await KeeperIdentity.generate(keyDir);
    editFile(KEY_FILES.signer, (j) => (j.address = Wallet.createRandom().address));
    await rejects("mismatch", /signer\.json: the private key belongs to 0x/);
  });

  it("detects a BLS public key that does not match the secret key", async () => {
    await KeeperIdentity.generate(keyDir);
    const other = join(root, "other");
    await KeeperIdentity.generate(other);
    const otherBls = JSON.parse(readFileSync(join(other, KEY_FILES.bls), "utf8")) as Record<string, string>;
    editFile(KEY_FILES.bls, (j) => (j.publicKey = otherBls.publicKey));
    await rejects("mismatch", /public key does not match the secret key/);
  });

  it("detects a peer id that does not belong to the libp2p key", async () => {
    await KeeperIdentity.generate(keyDir);
    const other = await KeeperIdentity.generate(join(root, "other"));
    editFile(KEY_FILES.libp2p, (j) => (j.peerId = other.peerId.toString()));
    await rejects("mismatch", /libp2p\.json: the key's peer id is 12D3KooW\w+, not 12D3KooW/);
  });
});
