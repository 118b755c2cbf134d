import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import type { Wallet } from "ethers";
import { s3Client, s3Error, sessionFor, startApi, type ApiHarness } from "./harness.js";
import { startLeaseChain, type LeaseChain } from "./lease-chain.js";

const MiB = 1024 * 1024;
/** quota unit in these tests: a lease of 2 "GiB" holds 16 MiB (the rule is the same, the disk is spared) */
const UNIT = 8 * MiB;

describe("api: the rented workspace's S3 endpoint (AWS SDK client, real chain, real server)", function () {
  this.timeout(120_000);
  let lc: LeaseChain;
  let h: ApiHarness;
  let dir: string;
  let owner: Wallet;
  let provider: Wallet;
  let leaseId: bigint;
  let ownerS3: S3Client;
  let ownerKey: { accessKeyId: string; secretAccessKey: string };

  const startServer = async (port?: number) =>
    startApi({
      dir,
      port,
      rpcUrl: lc.chain.url,
      dvmAccess: await lc.dvm.getAddress(),
      operator: provider.address,
      storageUnitBytes: UNIT,
      graceSeconds: 3600,
    });

  const issueKey = async (wallet: Wallet, id = leaseId) => {
    const token = await sessionFor(h, wallet);
    const res = await fetch(h.url(`/api/leases/${id}/keys`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: res.status,
      json: (await res.json()) as { accessKeyId: string; secretAccessKey: string; error?: string },
      token,
    };
  };

  before(async () => {
    lc = await startLeaseChain();
    owner = await lc.wallet();
    provider = await lc.wallet();
    leaseId = await lc.mint(owner.address, provider.address, 2, 24 * 3600);
    dir = mkdtempSync(join(tmpdir(), "om-s3-"));
    h = await startServer();
    const issued = await issueKey(owner);
    expect(issued.status).to.equal(201);
    ownerKey = issued.json;
    ownerS3 = s3Client(h, ownerKey);
  });
  after(async () => {
    await h?.stop();
    await lc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("issues keys only to the lease's holder; anyone else gets 403 with the reason", async () => {
    const stranger = await lc.wallet();
    const r = await issueKey(stranger);
    expect(r.status).to.equal(403);
    expect(r.json.error).to.equal("not_lease_holder");
    const unknown = await issueKey(owner, 999n);
    expect([unknown.status, unknown.json.error]).to.deep.equal([404, "lease_unknown"]);
    const noSession = await fetch(h.url(`/api/leases/${leaseId}/keys`), { method: "POST" });
    expect(noSession.status).to.equal(401);
  });

  it("buckets and objects round-trip through the unmodified AWS SDK (buffer and streamed bodies)", async () => {
    await ownerS3.send(new CreateBucketCommand({ Bucket: "photos" }));
    expect((await s3Error(ownerS3.send(new CreateBucketCommand({ Bucket: "photos" })))).name).to.equal(
      "BucketAlreadyOwnedByYou",
    );
    const list = await ownerS3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).to.deep.equal(["photos"]);

    const small = randomBytes(1000);
    const put = await ownerS3.send(
      new PutObjectCommand({ Bucket: "photos", Key: "a/b c+é.bin", Body: small, ContentType: "image/x-test" }),
    );
    expect(put.ETag).to.match(/^"[0-9a-f]{32}"$/);
    const got = await ownerS3.send(new GetObjectCommand({ Bucket: "photos", Key: "a/b c+é.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(small)).to.equal(true);
    expect(got.ContentType).to.equal("image/x-test");
    expect(got.ETag).to.equal(put.ETag);

    // a stream of known length: the SDK sends it aws-chunked with a CRC32 trailer
    const big = randomBytes(3 * MiB + 7);
    await ownerS3.send(
      new PutObjectCommand({
        Bucket: "photos",
        Key: "stream.bin",
        Body: Readable.from([big.subarray(0, MiB), big.subarray(MiB)]),
        ContentLength: big.length,
      }),
    );
    const head = await ownerS3.send(new HeadObjectCommand({ Bucket: "photos", Key: "stream.bin" }));
    expect(head.ContentLength).to.equal(big.length);
    const back = await ownerS3.send(new GetObjectCommand({ Bucket: "photos", Key: "stream.bin" }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(big)).to.equal(true);

    expect((await s3Error(ownerS3.send(new GetObjectCommand({ Bucket: "photos", Key: "nope" })))).name).to.equal(
      "NoSuchKey",
    );
    expect((await s3Error(ownerS3.send(new GetObjectCommand({ Bucket: "nobucket", Key: "x" })))).name).to.equal(
      "NoSuchBucket",
    );
    expect((await s3Error(ownerS3.send(new DeleteBucketCommand({ Bucket: "photos" })))).name).to.equal(
      "BucketNotEmpty",
    );
    await ownerS3.send(new DeleteObjectCommand({ Bucket: "photos", Key: "stream.bin" }));
    expect(
      (await s3Error(ownerS3.send(new HeadObjectCommand({ Bucket: "photos", Key: "stream.bin" })))).status,
    ).to.equal(404);
  });

  it("ListObjectsV2: prefix, delimiter and pagination with continuation tokens", async () => {
    await ownerS3.send(new CreateBucketCommand({ Bucket: "docs" }));
    const keys = ["a.txt", "dir1/x", "dir1/y", "dir2/z", "dir3/sub/w", "e.txt", "f.txt"];
    for (const Key of keys) await ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key, Body: Key }));
    const all: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ownerS3.send(
        new ListObjectsV2Command({ Bucket: "docs", MaxKeys: 2, ContinuationToken: token }),
      );
      all.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      pages++;
      expect(page.IsTruncated).to.equal(token !== undefined);
    } while (token);
    expect(all).to.deep.equal(keys);
    expect(pages).to.equal(4);

    const top = await ownerS3.send(new ListObjectsV2Command({ Bucket: "docs", Delimiter: "/" }));
    expect(top.Contents?.map((c) => c.Key)).to.deep.equal(["a.txt", "e.txt", "f.txt"]);
    expect(top.CommonPrefixes?.map((c) => c.Prefix)).to.deep.equal(["dir1/", "dir2/", "dir3/"]);

    // paging over common prefixes: each prefix once
    const seen: string[] = [];
    token = undefined;
    do {
      const page: ListObjectsV2CommandOutput = await ownerS3.send(
        new ListObjectsV2Command({ Bucket: "docs", Delimiter: "/", MaxKeys: 2, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen.sort()).to.deep.equal(["a.txt", "dir1/", "dir2/", "dir3/", "e.txt", "f.txt"]);

    const dir1 = await ownerS3.send(new ListObjectsV2Command({ Bucket: "docs", Prefix: "dir1/" }));
    expect(dir1.Contents?.map((c) => c.Key)).to.deep.equal(["dir1/x", "dir1/y"]);
    expect(dir1.KeyCount).to.equal(2);
  });

  it("range GET returns exactly the requested bytes (206), and refuses an unsatisfiable range", async () => {
    const body = randomBytes(5000);
    await ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "ranged", Body: body }));
    const mid = await ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "ranged", Range: "bytes=100-199" }));
    expect(mid.$metadata.httpStatusCode).to.equal(206);
    expect(mid.ContentRange).to.equal("bytes 100-199/5000");
    expect(Buffer.from(await mid.Body!.transformToByteArray()).equals(body.subarray(100, 200))).to.equal(true);
    const tail = await ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "ranged", Range: "bytes=-10" }));
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(body.subarray(4990))).to.equal(true);
    expect(
      (await s3Error(ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "ranged", Range: "bytes=6000-" })))).name,
    ).to.equal("InvalidRange");
  });

  it("multipart upload: create, upload parts, complete; abort frees the parts", async () => {
    const part1 = randomBytes(5 * MiB);
    const part2 = randomBytes(MiB + 3);
    const { UploadId } = await ownerS3.send(new CreateMultipartUploadCommand({ Bucket: "docs", Key: "big.bin" }));
    const e1 = await ownerS3.send(
      new UploadPartCommand({ Bucket: "docs", Key: "big.bin", UploadId, PartNumber: 1, Body: part1 }),
    );
    const e2 = await ownerS3.send(
      new UploadPartCommand({ Bucket: "docs", Key: "big.bin", UploadId, PartNumber: 2, Body: part2 }),
    );
    const done = await ownerS3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "docs",
        Key: "big.bin",
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1.ETag },
            { PartNumber: 2, ETag: e2.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).to.match(/-2"$/);
    const got = await ownerS3.send(
      new GetObjectCommand({ Bucket: "docs", Key: "big.bin", Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }),
    );
    expect(
      Buffer.from(await got.Body!.transformToByteArray()).equals(
        Buffer.concat([part1, part2]).subarray(5 * MiB - 2, 5 * MiB + 2),
      ),
    ).to.equal(true);

    const usage = async () =>
      (
        (await (
          await fetch(h.url(`/api/leases/${leaseId}`), {
            headers: { authorization: `Bearer ${await sessionFor(h, owner)}` },
          })
        ).json()) as { storage: { usedBytes: number } }
      ).storage.usedBytes;
    const before = await usage();
    const ab = await ownerS3.send(new CreateMultipartUploadCommand({ Bucket: "docs", Key: "dropped.bin" }));
    await ownerS3.send(
      new UploadPartCommand({
        Bucket: "docs",
        Key: "dropped.bin",
        UploadId: ab.UploadId,
        PartNumber: 1,
        Body: randomBytes(MiB),
      }),
    );
    expect(await usage()).to.equal(before + MiB);
    await ownerS3.send(new AbortMultipartUploadCommand({ Bucket: "docs", Key: "dropped.bin", UploadId: ab.UploadId }));
    expect(await usage()).to.equal(before);
    expect(
      (
        await s3Error(
          ownerS3.send(
            new UploadPartCommand({
              Bucket: "docs",
              Key: "dropped.bin",
              UploadId: ab.UploadId,
              PartNumber: 2,
              Body: "x",
            }),
          ),
        )
      ).name,
    ).to.equal("NoSuchUpload");
  });

  it("rejects forged SigV4: wrong secret, unknown key id, unsigned request", async () => {
    const forged = s3Client(h, { accessKeyId: ownerKey.accessKeyId, secretAccessKey: "x".repeat(40) });
    expect(await s3Error(forged.send(new ListBucketsCommand({})))).to.deep.equal({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    expect(
      await s3Error(forged.send(new PutObjectCommand({ Bucket: "docs", Key: "evil", Body: "x" }))),
    ).to.deep.include({ name: "SignatureDoesNotMatch" });
    const unknown = s3Client(h, { accessKeyId: "OMAAAAAAAAAAAAAAAAAA", secretAccessKey: ownerKey.secretAccessKey });
    expect((await s3Error(unknown.send(new ListBucketsCommand({})))).name).to.equal("InvalidAccessKeyId");
    const raw = await fetch(h.url("/s3/docs/a.txt"));
    expect(raw.status).to.equal(403);
    expect(await raw.text()).to.include("<Code>AccessDenied</Code>");
    expect((await s3Error(ownerS3.send(new HeadObjectCommand({ Bucket: "docs", Key: "evil" })))).status).to.equal(404);
  });

  it("enforces the lease's storage quota with S3's EntityTooLarge; status reports usage against quota", async () => {
    const token = await sessionFor(h, owner);
    const status = async () =>
      (await (
        await fetch(h.url(`/api/leases/${leaseId}`), { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { mode: string; storage: { usedBytes: number; quotaBytes: number } };
    const s = await status();
    expect(s.mode).to.equal("read-write");
    expect(s.storage.quotaBytes).to.equal(2 * UNIT);
    const room = s.storage.quotaBytes - s.storage.usedBytes;
    const err = await s3Error(
      ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "too-big", Body: randomBytes(room + 1) })),
    );
    expect(err).to.deep.equal({ name: "EntityTooLarge", status: 400 });
    await ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "fits", Body: randomBytes(room) }));
    expect((await status()).storage.usedBytes).to.equal(2 * UNIT);
    expect(
      (await s3Error(ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "one-more", Body: "x" })))).name,
    ).to.equal("EntityTooLarge");
    await ownerS3.send(new DeleteObjectCommand({ Bucket: "docs", Key: "fits" }));
  });

  it("data and keys survive a restart of the server", async () => {
    const body = randomBytes(70_000);
    await ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "durable", Body: body }));
    const port = h.server.port;
    await h.stop();
    h = await startServer(port);
    const got = await ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "durable" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).to.equal(true);
    const listed = await ownerS3.send(new ListObjectsV2Command({ Bucket: "docs", Prefix: "dir" }));
    expect(listed.KeyCount).to.equal(4);
  });

  it("authority is the chain: setUser lends access, a transfer revokes the old holder on the next request", async () => {
    const borrower = await lc.wallet();
    expect((await issueKey(borrower)).status).to.equal(403);
    const now = await lc.now();
    await (await lc.dvm.connect(owner).setUser(leaseId, borrower.address, now + 600)).wait();
    const lent = await issueKey(borrower);
    expect(lent.status).to.equal(201);
    const borrowerS3 = s3Client(h, lent.json);
    await borrowerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "from-borrower", Body: "hi" }));
    expect(await lc.dvm.ownerOf(leaseId)).to.equal(owner.address);
    await ownerS3.send(new HeadObjectCommand({ Bucket: "docs", Key: "from-borrower" })); // the owner keeps access

    const buyer = await lc.wallet();
    await (await lc.dvm.connect(owner).transferFrom(owner.address, buyer.address, leaseId)).wait();
    // the very next requests: the old owner and the (cleared) borrower are refused
    const e1 = await s3Error(ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "from-borrower" })));
    expect(e1).to.deep.equal({ name: "AccessDenied", status: 403 });
    expect((await s3Error(borrowerS3.send(new ListBucketsCommand({})))).name).to.equal("AccessDenied");
    const bought = await issueKey(buyer);
    expect(bought.status).to.equal(201);
    ownerS3 = s3Client(h, bought.json);
    owner = buyer;
    await ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "from-borrower" }));
  });

  it("expiry revokes everyone's writes; the owner reads during the grace period; then the data is deleted", async () => {
    const borrower = await lc.wallet();
    await (await lc.dvm.connect(owner).setUser(leaseId, borrower.address, (await lc.now()) + 48 * 3600)).wait();
    const borrowerS3 = s3Client(h, (await issueKey(borrower)).json);
    await lc.advance(24 * 3600 + 1); // past the lease's end
    expect((await s3Error(borrowerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "durable" })))).name).to.equal(
      "AccessDenied",
    );
    const w = await s3Error(ownerS3.send(new PutObjectCommand({ Bucket: "docs", Key: "late", Body: "x" })));
    expect(w).to.deep.equal({ name: "AccessDenied", status: 403 });
    const r = await ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "durable" }));
    expect(r.ContentLength).to.equal(70_000);
    const token = await sessionFor(h, owner);
    const st = (await (
      await fetch(h.url(`/api/leases/${leaseId}`), { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { mode: string };
    expect(st.mode).to.equal("read-only");

    expect(await h.api.sweep()).to.deep.equal([]); // still in grace
    await lc.advance(3600);
    expect(await h.api.sweep()).to.deep.equal([leaseId]);
    expect((await s3Error(ownerS3.send(new GetObjectCommand({ Bucket: "docs", Key: "durable" })))).name).to.match(
      /InvalidAccessKeyId|AccessDenied/,
    );
    const keys = await fetch(h.url(`/api/leases/${leaseId}/keys`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(keys.status).to.equal(403);
    expect(((await keys.json()) as { error: string }).error).to.equal("lease_ended");
  });
});
