// Numbers and addresses as a person reads them.
import { formatUnits } from "ethers";

/** OPEN (18 decimals) with thousands separators and at most `digits` decimals. */
export function open(wei: bigint | string | null | undefined, digits = 2): string {
  if (wei === null || wei === undefined) return "–";
  const [int, frac = ""] = formatUnits(BigInt(wei), 18).split(".");
  const grouped = BigInt(int!).toLocaleString("en-US");
  const f = frac.replace(/0+$/, "").slice(0, digits);
  return f ? `${grouped}.${f}` : grouped;
}

export function short(address: string | null | undefined): string {
  if (!address) return "–";
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function int(n: bigint | number | string | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return BigInt(n).toLocaleString("en-US");
}

/** "12 s", "3 min", "2 h" */
export function duration(seconds: number | bigint | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  const s = Number(seconds);
  if (Math.abs(s) < 120) return `${Math.round(s)} s`;
  if (Math.abs(s) < 7200) return `${Math.round(s / 60)} min`;
  if (Math.abs(s) < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function percent(part: bigint, whole: bigint, digits = 1): string {
  if (whole === 0n) return "–";
  const scaled = Number((part * 10n ** BigInt(digits + 2)) / whole) / 10 ** digits;
  return `${scaled.toFixed(digits)}%`;
}
