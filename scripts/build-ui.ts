/**
 * Builds the web console (`console/`) into `dist/ui`: one minified ES module and one stylesheet,
 * named by content hash (served `immutable`), and `index.html` pointing at them (served
 * `no-cache`). esbuild bundles preact in; nothing is fetched at run time from anywhere else.
 *
 *   npm run build:ui            # into dist/ui
 *   tsx scripts/build-ui.ts DIR # into DIR
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Writes the console into `outDir` (replacing what was there); returns the asset names. It is built
 * beside `outDir` and moved into place, so a server starting meanwhile sees the old or the new
 * build, not half of one.
 */
export async function buildConsole(outDir = join(root, "dist/ui")): Promise<string[]> {
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const assets = join(staging, "assets");
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: [join(root, "console/src/main.tsx"), join(root, "console/src/style.css")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    outdir: assets,
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const names = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = names.find((n) => n.endsWith(".js"));
  const style = names.find((n) => n.endsWith(".css"));
  if (!script || !style) throw new Error("console build produced no script or stylesheet");
  const html = readFileSync(join(root, "console/index.html"), "utf8")
    .replace("%SCRIPT%", script)
    .replace("%STYLE%", style);
  writeFileSync(join(staging, "index.html"), html);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return names;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = await buildConsole(process.argv[2]);
  console.log(`console built: ${names.join(", ")}`);
}
