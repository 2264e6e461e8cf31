/**
 * Serves the web console's built files (`npm run build:ui` writes them to `dist/ui`) at `/ui/`.
 * The files are read into memory once: a few small files, served as they are. The page itself is
 * public (it holds no data); everything it shows comes from the API with the key the user types.
 *
 * Caching: asset names carry a content hash, so they are `immutable` for a year; `index.html`
 * names the current hashes and is `no-cache` (revalidated every load, so an upgrade shows at once).
 * Content-Security-Policy: only this origin's scripts, styles and API; no inline script, no
 * framing, no form posts, no other host. The console loads nothing from anywhere else.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ApiError } from "./errors.js";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Where the built console is: `dist/ui` beside the compiled server (`dist/src/api`), or, when the
 * server runs from source (tsx), `dist/ui` of the checkout.
 */
export function consoleDir(): string | undefined {
  const here = fileURLToPath(new URL(".", import.meta.url));
  return [join(here, "../../ui"), join(here, "../../dist/ui")].find((dir) =>
    existsSync(join(dir, "index.html")),
  );
}

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(join(dir, "assets"))) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(dir, "assets", name)), type });
  }
  return assets;
}

/** The built files, or undefined when they cannot be read (being rebuilt this instant, say). */
function load(dir: string): { index: Buffer; assets: Map<string, Asset> } | undefined {
  try {
    return { index: readFileSync(join(dir, "index.html")), assets: loadAssets(dir) };
  } catch {
    return undefined;
  }
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONSOLE_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY")
    .header("cross-origin-opener-policy", "same-origin")
    .header("cross-origin-resource-policy", "same-origin");
}

/** Registers `/ui`, `/ui/` and `/ui/assets/*`; without a built console, `/ui/` says how to build it. */
export function serveConsole(app: FastifyInstance, dir: string | undefined): void {
  const { index, assets } = (dir && load(dir)) || { index: undefined, assets: new Map<string, Asset>() };
  const config = { auth: "public" as const };
  if (!index) app.log.warn("web console not built (npm run build:ui): /ui/ answers 404");

  app.get("/ui", { config, logLevel: "warn" }, (_request, reply) => reply.redirect("/ui/", 301));
  app.get("/ui/", { config, logLevel: "warn" }, (_request, reply) => {
    if (!index) {
      throw new ApiError(404, "NOT_FOUND", "the console is not built: run `npm run build:ui`");
    }
    return secure(reply)
      .header("cache-control", "no-cache")
      .type(TYPES[".html"] as string)
      .send(index);
  });
  app.get<{ Params: { name: string } }>(
    "/ui/assets/:name",
    { config, logLevel: "warn" },
    (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) throw new ApiError(404, "NOT_FOUND", "no such console file");
      return secure(reply).header("cache-control", IMMUTABLE).type(asset.type).send(asset.body);
    },
  );
}
