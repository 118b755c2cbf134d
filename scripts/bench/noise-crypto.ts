// The Noise transport's per-frame cost, the library's default crypto against the keeper's
// (keeper/src/p2p/noise-crypto.ts): seal + open of one frame per size, median of 5 runs of 5,000.
// The default is the one `noise()` builds when given none (read from a Noise instance, not copied).
//   npx tsx scripts/bench/noise-crypto.ts
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { noise, type ICryptoInterface } from "@chainsafe/libp2p-noise";
import { keeperNoiseCrypto } from "../../keeper/src/p2p/noise-crypto.js";

type Wrapped = { encrypt: ICryptoInterface["chaCha20Poly1305Encrypt"]; decrypt: ICryptoInterface["chaCha20Poly1305Decrypt"] };
const instance = (crypto?: ICryptoInterface) =>
  // the Noise class keeps its wrapped crypto on a public field the typings do not name
  (noise(crypto ? { crypto } : {})({ logger: { forComponent: () => () => undefined } } as never) as unknown as { crypto: Wrapped }).crypto;
const impls: Array<[string, Wrapped]> = [
  ["library default", instance()],
  ["keeper", instance(keeperNoiseCrypto)],
];

const k = randomBytes(32);
const nonce = randomBytes(12);
const ad = new Uint8Array(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const N = 5_000;

console.log(`Noise seal + open per frame (µs), ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`);
console.log(`| frame bytes | ${impls.map(([n]) => n).join(" | ")} | speed-up |`);
console.log(`|---:|${impls.map(() => "---:").join("|")}|---:|`);
for (const size of [64, 300, 800, 1_500, 4_000, 16_000, 65_000]) {
  const plain = randomBytes(size);
  const us = impls.map(([, c]) => {
    const runs: number[] = [];
    for (let r = 0; r < 6; r++) {
      const t = performance.now();
      for (let i = 0; i < N; i++) c.decrypt(c.encrypt(plain, nonce, ad, k), nonce, ad, k);
      if (r > 0) runs.push(((performance.now() - t) * 1000) / N); // run 0 warms up
    }
    return median(runs);
  });
  console.log(`| ${size} | ${us.map((u) => u.toFixed(1)).join(" | ")} | ${(us[0]! / us[1]!).toFixed(2)}× |`);
}
