// deployments/config/ccip-networks.json: CCIP routers, LINK tokens and chain selectors by network,
// and the checkpoint lanes each home network relays on. Validated before any transaction.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress, isAddress } from "ethers";
import { z } from "zod";
import { REPO_ROOT } from "./deployment-file.js";

export const CCIP_CONFIG_PATH = join(REPO_ROOT, "deployments", "config", "ccip-networks.json");

/** "deployed": the address comes from the local simulator deployed with the protocol. */
const addressOrDeployed = z
  .string()
  .refine((s) => s === "deployed" || isAddress(s), { message: 'expected an address or "deployed"' });

const network = z.object({
  chainId: z.number().int().positive(),
  /** CCIP chain selectors are uint64: kept as decimal strings */
  chainSelector: z.string().regex(/^\d+$/, "expected a decimal uint64 string"),
  router: addressOrDeployed,
  link: addressOrDeployed,
  tokenAdminRegistry: z.string().refine(isAddress).optional(),
  source: z.string().min(1),
});

const lane = z.object({
  to: z.string().min(1),
  gasLimit: z.number().int().min(1).max(3_000_000),
  relayEvery: z
    .number()
    .int()
    .min(1)
    .max(2 ** 32 - 1),
});

const schema = z
  .object({
    networks: z.record(z.string(), network),
    lanes: z.record(z.string(), z.array(lane)),
  })
  .superRefine((cfg, ctx) => {
    for (const [home, lanes] of Object.entries(cfg.lanes)) {
      for (const [i, l] of lanes.entries()) {
        if (!cfg.networks[l.to]) {
          ctx.addIssue({ code: "custom", path: ["lanes", home, i, "to"], message: `unknown network "${l.to}"` });
        }
      }
    }
  });

export type CcipConfig = z.infer<typeof schema>;
export type CcipNetwork = z.infer<typeof network>;
export type CcipLaneConfig = z.infer<typeof lane>;

export function loadCcipConfig(path = CCIP_CONFIG_PATH): CcipConfig {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`${path} is invalid:\n${issues}`);
  }
  for (const n of Object.values(parsed.data.networks)) {
    if (n.router !== "deployed") n.router = getAddress(n.router);
    if (n.link !== "deployed") n.link = getAddress(n.link);
  }
  return parsed.data;
}

/** The network entry whose EVM chain id is `chainId`, or undefined (the simulator counts only locally). */
export function ccipNetworkByChainId(cfg: CcipConfig, chainId: number): [string, CcipNetwork] | undefined {
  return Object.entries(cfg.networks).find(([, n]) => n.chainId === chainId && n.router !== "deployed");
}
