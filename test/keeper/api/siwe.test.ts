import { expect } from "chai";
import { Wallet } from "ethers";
import { login, signIn, startApi, type ApiHarness } from "./harness.js";

describe("api: Sign-In with Ethereum (EIP-4361) over the keeper's HTTP server", () => {
  let h: ApiHarness;
  let clockMs = Date.now();
  const wallet = Wallet.createRandom();

  before(async () => {
    h = await startApi({ now: () => clockMs, sessionTtlMs: 60_000, nonceTtlMs: 30_000 });
  });
  after(() => h.stop());
  beforeEach(() => {
    clockMs = Date.now();
  });

  const get = (path: string, token?: string) =>
    fetch(h.url(path), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("a signed message with a fresh nonce yields a session token the API accepts", async () => {
    const { status, json } = await login(h, await signIn(h, wallet));
    expect(status).to.equal(200);
    expect(json.address).to.equal(wallet.address);
    const res = await get("/api/auth/session", json.token as string);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ address: wallet.address, chainId: 31337 });
  });

  it("rejects a replayed message: the nonce is single-use", async () => {
    const signed = await signIn(h, wallet);
    expect((await login(h, signed)).status).to.equal(200);
    const replay = await login(h, signed);
    expect(replay.status).to.equal(401);
    expect(replay.json.error).to.equal("siwe_nonce_unknown");
  });

  it("rejects a nonce the keeper never issued", async () => {
    const { status, json } = await login(h, await signIn(h, wallet, { nonce: "abcdef0123456789" }));
    expect([status, json.error]).to.deep.equal([401, "siwe_nonce_unknown"]);
  });

  it("rejects an expired message and an expired nonce", async () => {
    const past = await signIn(h, wallet, { expirationTime: new Date(Date.now() - 1000).toISOString() });
    const r1 = await login(h, past);
    expect([r1.status, r1.json.error]).to.deep.equal([401, "siwe_expired"]);

    const later = await signIn(h, wallet); // nonce valid 30 s
    clockMs += 31_000;
    const r2 = await login(h, later);
    expect([r2.status, r2.json.error]).to.deep.equal([401, "siwe_expired"]);
  });

  it("rejects a message for another domain (phishing relay) or another URI host", async () => {
    const r1 = await login(h, await signIn(h, wallet, { domain: "evil.example", uri: "https://evil.example" }));
    expect([r1.status, r1.json.error]).to.deep.equal([403, "siwe_wrong_domain"]);
    expect(String(r1.json.message)).to.include("evil.example");
    const r2 = await login(h, await signIn(h, wallet, { uri: "https://evil.example/login" }));
    expect([r2.status, r2.json.error]).to.deep.equal([403, "siwe_wrong_uri"]);
  });

  it("rejects a message for another chain", async () => {
    const { status, json } = await login(h, await signIn(h, wallet, { chainId: 1 }));
    expect([status, json.error]).to.deep.equal([403, "siwe_wrong_chain"]);
    expect(String(json.message)).to.include("31337");
  });

  it("rejects a signature by another key, and that nonce cannot be retried", async () => {
    const signed = await signIn(h, wallet);
    const forged = { message: signed.message, signature: await Wallet.createRandom().signMessage(signed.message) };
    const r1 = await login(h, forged);
    expect([r1.status, r1.json.error]).to.deep.equal([401, "siwe_invalid"]);
    const r2 = await login(h, signed);
    expect([r2.status, r2.json.error]).to.deep.equal([401, "siwe_nonce_unknown"]);
  });

  it("rejects missing, tampered and expired session tokens, and a logged-out one", async () => {
    const noAuth = await get("/api/auth/session");
    expect(noAuth.status).to.equal(401);
    expect(((await noAuth.json()) as { error: string }).error).to.equal("unauthenticated");

    const token = (await login(h, await signIn(h, wallet))).json.token as string;
    const [payload, mac] = token.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const other = Buffer.from(JSON.stringify({ ...claims, address: Wallet.createRandom().address })).toString(
      "base64url",
    );
    expect((await get("/api/auth/session", `${other}.${mac}`)).status).to.equal(401);

    clockMs += 61_000;
    const expired = await get("/api/auth/session", token);
    expect(expired.status).to.equal(401);
    expect(((await expired.json()) as { error: string }).error).to.equal("session_expired");
    clockMs = Date.now();

    const fresh = (await login(h, await signIn(h, wallet))).json.token as string;
    const out = await fetch(h.url("/api/auth/logout"), {
      method: "POST",
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(out.status).to.equal(200);
    expect((await get("/api/auth/session", fresh)).status).to.equal(401);
  });

  it("CORS: allows the keeper's own origin and the configured Studio origin, refuses others", async () => {
    const preflight = (origin: string) =>
      fetch(h.url("/api/auth/login"), {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const studio = await preflight("http://studio.example");
    expect(studio.status).to.equal(204);
    expect(studio.headers.get("access-control-allow-origin")).to.equal("http://studio.example");
    const self = await preflight(`http://${h.domain}`);
    expect(self.status).to.equal(204);
    const other = await preflight("http://elsewhere.example");
    expect(other.status).to.equal(403);
    expect(other.headers.get("access-control-allow-origin")).to.equal(null);
  });
});
