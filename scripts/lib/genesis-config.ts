// The deployment config (deployments/config/<network>.json): genesis allocation of the fixed
// OPEN supply, vesting terms and governance settings. Validated completely before any
// transaction is sent; every error names the field that is wrong.
import { readFileSync } from "node:fs";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { z } from "zod";

export const TOTAL_SUPPLY_WEI = 1_000_000_000n * 10n ** 18n;
export const BPS = 10_000n;

/** The seven genesis buckets of DESIGN.md §2 and their default shares (basis points). */
export const BUCKETS = {
  nodeRewardsPool: 2800,
  ecosystem: 2000,
  team: 2000,
  fundraising: 1200,
  earlyValidators: 800,
  contributors: 800,
  education: 400,
} as const;
export type BucketName = keyof typeof BUCKETS;

/**
 * A recipient: a literal address, "treasury" (the DAO timelock), "rewards" (the rewards
 * distributor, for the node-operator pool) or "account:N" (the N-th account of a local
 * development node; refused on other networks by the deploy script).
 */
export const NAMED_RECIPIENTS = ["treasury", "rewards"] as const;
const recipientRef = z
  .string()
  .refine((s) => (NAMED_RECIPIENTS as readonly string[]).includes(s) || /^account:\d+$/.test(s) || isAddress(s), {
    message: 'expected an address (0x + 40 hex), "treasury", "rewards" or "account:N"',
  })
  .refine((s) => !isAddress(s) || getAddress(s) !== ZeroAddress, { message: "the zero address cannot receive tokens" });

const seconds = z.number().int().nonnegative();

const beneficiary = z.object({
  to: recipientRef,
  bps: z.number().int().positive().max(10_000),
  /** overrides of the bucket's vesting terms for this beneficiary */
  cliffSeconds: seconds.optional(),
  durationSeconds: seconds.positive().optional(),
});

const bucket = z.object({
  bps: z.number().int().nonnegative().max(10_000),
  /** vested buckets put each beneficiary's tokens in an OpenVestingWallet */
  vesting: z.boolean().default(false),
  cliffSeconds: seconds.optional(),
  durationSeconds: seconds.positive().optional(),
  beneficiaries: z.array(beneficiary).min(1),
});

const schema = z
  .object({
    network: z.string().min(1),
    /** vesting start; "deploy" = the timestamp of the latest block at deploy time */
    vestingStart: z.union([z.literal("deploy"), seconds]).default("deploy"),
    vestingDefaults: z.object({ cliffSeconds: seconds, durationSeconds: seconds.positive() }),
    governance: z.object({
      votingDelaySeconds: seconds.max(2 ** 48 - 1),
      votingPeriodSeconds: seconds.positive().max(2 ** 32 - 1),
      quorumPercent: z.number().int().min(1).max(100),
      timelockDelaySeconds: seconds,
      /** votes needed to propose, in whole OPEN */
      proposalThresholdOpen: z.number().int().nonnegative(),
    }),
    protocol: z
      .object({
        /** seconds an epoch lasts at least (validator sets change at epoch boundaries) */
        epochLengthSeconds: z
          .number()
          .int()
          .min(1)
          .max(30 * 24 * 3600),
        /** heights between two submitted checkpoints */
        checkpointInterval: z.number().int().min(1),
        /** fraction of the free node pool emitted per epoch, WAD as a decimal string */
        emissionPerEpochWad: z.string().regex(/^\d+$/, "expected a decimal integer string (WAD)"),
        taskProtocolFeeBps: z.number().int().min(0).max(2000),
        taskGracePeriodSeconds: seconds,
        /** spares each task gets when posted (TaskManager.defaultSpares, governed; default 2) */
        taskSpares: z.number().int().min(0).max(8).default(2),
        /** the resource market's protocol fee on providers' pay (default 500 = 5%) */
        marketProtocolFeeBps: z.number().int().min(0).max(2000).default(500),
        /** optional overrides of the staking defaults */
        staking: z
          .object({
            minStakeOpen: z.number().int().positive().optional(),
            unbondingPeriodSeconds: seconds.max(365 * 24 * 3600).optional(),
            jailPeriodSeconds: seconds.max(365 * 24 * 3600).optional(),
            commissionIncreaseDelaySeconds: seconds.max(365 * 24 * 3600).optional(),
            maxValidators: z.number().int().min(1).max(256).optional(),
          })
          .strict()
          .default({}),
        /** optional overrides of the downtime rule */
        downtime: z
          .object({ window: z.number().int().min(1).max(256), minSignedPercent: z.number().int().min(1).max(100) })
          .optional(),
      })
      .strict(),
    allocation: z.object(
      Object.fromEntries(Object.keys(BUCKETS).map((k) => [k, bucket])) as Record<BucketName, typeof bucket>,
    ),
  })
  .strict();

export type GenesisConfig = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function fail(issues: string[]): never {
  throw new ConfigError(`invalid deployment config:\n  - ${issues.join("\n  - ")}`);
}

/** Parses and validates a config object; throws ConfigError listing every bad field. */
export function parseGenesisConfig(raw: unknown): GenesisConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    fail(parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  const cfg = parsed.data;
  const issues: string[] = [];

  const total = Object.values(cfg.allocation).reduce((s, b) => s + b.bps, 0);
  if (total !== 10_000) issues.push(`allocation: bucket shares add up to ${total} bps, expected 10000 (100%)`);

  const defaults = cfg.vestingDefaults;
  if (defaults.cliffSeconds > defaults.durationSeconds) {
    issues.push(
      `vestingDefaults.cliffSeconds: ${defaults.cliffSeconds} is longer than durationSeconds ${defaults.durationSeconds}`,
    );
  }

  for (const [name, b] of Object.entries(cfg.allocation)) {
    const sum = b.beneficiaries.reduce((s, x) => s + x.bps, 0);
    if (sum !== 10_000) {
      issues.push(`allocation.${name}.beneficiaries: shares add up to ${sum} bps, expected 10000 (100% of the bucket)`);
    }
    const seen = new Map<string, number>();
    b.beneficiaries.forEach((x, i) => {
      const key = isAddress(x.to) ? getAddress(x.to) : x.to;
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push(`allocation.${name}.beneficiaries.${i}.to: duplicate of beneficiaries.${first} (${x.to})`);
      }
      seen.set(key, i);
      const cliff = x.cliffSeconds ?? b.cliffSeconds ?? defaults.cliffSeconds;
      const duration = x.durationSeconds ?? b.durationSeconds ?? defaults.durationSeconds;
      if (b.vesting && cliff > duration) {
        issues.push(
          `allocation.${name}.beneficiaries.${i}.cliffSeconds: cliff ${cliff} s is longer than the vesting duration ${duration} s`,
        );
      }
      if (b.vesting && (NAMED_RECIPIENTS as readonly string[]).includes(x.to)) {
        issues.push(`allocation.${name}.beneficiaries.${i}.to: "${x.to}" cannot be a vesting beneficiary`);
      }
    });
  }
  if (issues.length > 0) fail(issues);
  return cfg;
}

/** Reads and validates a config file. */
export function loadGenesisConfig(path: string): GenesisConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read deployment config ${path}: ${(err as Error).message}`);
  }
  return parseGenesisConfig(raw);
}

/** One planned genesis transfer, before addresses are resolved. */
export interface PlannedGrant {
  bucket: BucketName;
  to: string;
  amountWei: bigint;
  vesting?: { cliffSeconds: number; durationSeconds: number };
}

/**
 * Splits the fixed supply into grants. Bucket amounts are exact (bps of 1e27 divide evenly);
 * inside a bucket the last beneficiary takes the rounding remainder, so the grants always add
 * up to exactly TOTAL_SUPPLY_WEI.
 */
export function planGenesis(cfg: GenesisConfig): PlannedGrant[] {
  const grants: PlannedGrant[] = [];
  for (const name of Object.keys(BUCKETS) as BucketName[]) {
    const b = cfg.allocation[name];
    if (b.bps === 0) continue;
    const bucketWei = (TOTAL_SUPPLY_WEI * BigInt(b.bps)) / BPS;
    let given = 0n;
    b.beneficiaries.forEach((x, i) => {
      const last = i === b.beneficiaries.length - 1;
      const amountWei = last ? bucketWei - given : (bucketWei * BigInt(x.bps)) / BPS;
      given += amountWei;
      grants.push({
        bucket: name,
        to: x.to,
        amountWei,
        vesting: b.vesting
          ? {
              cliffSeconds: x.cliffSeconds ?? b.cliffSeconds ?? cfg.vestingDefaults.cliffSeconds,
              durationSeconds: x.durationSeconds ?? b.durationSeconds ?? cfg.vestingDefaults.durationSeconds,
            }
          : undefined,
      });
    });
  }
  return grants;
}
