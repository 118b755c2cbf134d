// Builds Xnode Studio into static files (keeper/studio/dist) that the keeper serves at /studio:
// one ES module and one stylesheet with content-hashed names (each with a gzipped copy, .gz, which
// the keeper sends to browsers that accept gzip), and index.html pointing at them.
// Part of `npm run build`; esbuild bundles Preact, uPlot, ethers and @openmesh/contracts, so
// nothing is fetched from a CDN at run time. The custom errors' NatSpec notices come from the
// contracts package's ABIs, so a revert shows in words.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const abiDir = join(here, "..", "..", "packages", "contracts", "abi");

/** error signature -> its @notice, from every ABI's userdoc (the package build copies them). */
function errorNotices(): Record<string, string> {
  if (!existsSync(abiDir)) throw new Error(`${abiDir} is missing: the contracts package builds before the Studio`);
  const out: Record<string, string> = {};
  for (const file of readdirSync(abiDir).sort()) {
    if (!file.endsWith(".json")) continue;
    const doc = JSON.parse(readFileSync(join(abiDir, file), "utf8")) as {
      userdoc?: { errors?: Record<string, Array<{ notice?: string }>> };
    };
    for (const [sig, entries] of Object.entries(doc.userdoc?.errors ?? {})) {
      const notice = entries.find((e) => e.notice)?.notice;
      if (notice && !out[sig]) out[sig] = notice;
    }
  }
  return out;
}

const started = Date.now();
mkdirSync(join(here, "src", "generated"), { recursive: true });
writeFileSync(join(here, "src", "generated", "error-notices.json"), JSON.stringify(errorNotices(), null, 1) + "\n");
rmSync(dist, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(here, "src", "main.tsx")],
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  logLevel: "warning",
  legalComments: "linked",
});
const outputs = Object.keys(result.metafile.outputs).map((o) => relative(dist, join(process.cwd(), o)));
const js = outputs.find((o) => o.endsWith(".js"));
const css = outputs.find((o) => o.endsWith(".css"));
if (!js || !css) throw new Error(`esbuild wrote no script or stylesheet: ${outputs.join(", ")}`);
const html = readFileSync(join(here, "index.html"), "utf8")
  .replace("<!--STYLES-->", `<link rel="stylesheet" href="${css}" />`)
  .replace("<!--SCRIPTS-->", `<script type="module" src="${js}"></script>`);
writeFileSync(join(dist, "index.html"), html);
// compressed once here, not per request: browsers on plain http accept gzip (not brotli)
const gzKiB: Record<string, number> = {};
for (const o of [js, css]) {
  const gz = gzipSync(readFileSync(join(dist, o)), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(join(dist, `${o}.gz`), gz);
  gzKiB[o] = gz.length / 1024;
}
const kb = (o: string) => (result.metafile.outputs[relative(process.cwd(), join(dist, o))]?.bytes ?? 0) / 1024;
const size = (o: string) => `${basename(o)} (${kb(o).toFixed(0)} KiB, ${gzKiB[o]!.toFixed(0)} KiB gzipped)`;
console.log(`[studio] built ${size(js)}, ${size(css)} in ${Date.now() - started} ms`);
