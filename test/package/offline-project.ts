// An empty npm project outside the repository whose dependencies install with no network: its
// lockfile is the repository's lockfile pruned to what it needs (npm's cache holds those tarballs
// after the setup; a fresh `npm install --offline` would also need registry metadata it may lack).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  resolved?: string;
  integrity?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Node's resolution over lockfile paths: the nearest node_modules/<name> walking up from `from`. */
function resolve(packages: Record<string, LockEntry>, name: string, from: string): string {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) throw new Error(`${name} (needed by ${from || "the project"}) is not in the repository's lockfile`);
    const i = base.lastIndexOf("/node_modules/");
    base = i >= 0 ? base.slice(0, i) : "";
  }
}

/** A package tarball in the project folder, locked as `npm install ./<file>` would lock it. */
export interface LocalTarball {
  file: string;
  name: string;
  version: string;
  peerDependencies?: Record<string, string>;
}

/**
 * Writes package.json + package-lock.json for `names` (at the repository's versions) and the local
 * tarballs, and runs `npm ci --offline`.
 */
export function installOffline(
  repoRoot: string,
  project: string,
  names: string[],
  tarballs: LocalTarball[] = [],
): void {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const kept: Record<string, LockEntry> = {};
  const add = (path: string) => {
    if (kept[path]) return;
    const entry = lock.packages[path]!;
    kept[path] = entry;
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer] of Object.entries(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[peer]?.optional) required[peer] = "";
    }
    for (const dep of Object.keys(required)) add(resolve(lock.packages, dep, path));
  };
  const dependencies: Record<string, string> = {};
  for (const name of names) {
    const path = resolve(lock.packages, name, "");
    add(path);
    dependencies[name] = lock.packages[path]!.version!;
  }
  for (const t of tarballs) {
    const integrity = `sha512-${createHash("sha512")
      .update(readFileSync(join(project, t.file)))
      .digest("base64")}`;
    const { file, ...entry } = t;
    kept[`node_modules/${t.name}`] = { ...entry, resolved: `file:${file}`, integrity } as LockEntry;
    dependencies[t.name] = `file:${file}`;
  }
  const manifest = { name: "integrator", private: true, type: "module", dependencies };
  writeFileSync(join(project, "package.json"), JSON.stringify(manifest, null, 2));
  const projectLock = { name: "integrator", lockfileVersion: 3, requires: true, packages: { "": manifest, ...kept } };
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(projectLock, null, 2));
  execFileSync("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel", "error"], {
    cwd: project,
    stdio: "pipe",
  });
}
