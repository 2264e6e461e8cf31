// The status API over real sockets: loopback by default, HTTPS with a certificate generated here
// by openssl when it is installed, and the gateway check and rate limit as a client sees them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { statusApiOptionsSchema } from "../../src/api/options.js";
import { isLoopback, listenStatusServer } from "../../src/api/server.js";
import { requiredInCi } from "../helpers/requirement.js";
import { bearer, buildTestServer, makeDecision } from "./helpers.js";

describe("plain HTTP", () => {
  it("binds to loopback by default and answers over the socket", async () => {
    const defaults = statusApiOptionsSchema.parse({});
    expect(defaults.host).toBe("127.0.0.1");
    expect(defaults.port).toBe(8080);
    expect(defaults.keys).toEqual([]);

    const s = buildTestServer({ options: { port: 0, rateLimit: { perSecond: 1, burst: 2 } } });
    const url = await listenStatusServer(s.app, s.options);
    try {
      const address = s.app.server.address() as AddressInfo;
      expect(address.address).toBe("127.0.0.1");
      expect(url).toBe(`http://127.0.0.1:${address.port}`);

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const denied = await fetch(`${url}/v1/agents`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual({
        error: { code: "UNAUTHORIZED", message: "missing or invalid API key" },
      });

      const agents = await fetch(`${url}/v1/agents`, { headers: bearer(s.keys.read.key) });
      expect(agents.status).toBe(200);
      expect(agents.headers.get("content-type")).toMatch(/^application\/json/);
      expect(((await agents.json()) as { items: unknown[] }).items).toHaveLength(3);
      expect((await fetch(`${url}/v1/agents`, { headers: bearer(s.keys.read.key) })).status).toBe(200);
      const limited = await fetch(`${url}/v1/agents`, { headers: bearer(s.keys.read.key) });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");

      s.decisions.put(makeDecision("blocked-bot"));
      const check = await fetch(`${url}/v1/decisions/check`, {
        headers: { "x-api-key": s.keys.gateway.key, "x-agentwatch-agent": "blocked-bot" },
      });
      expect(check.status).toBe(403);
      expect(check.headers.get("x-agentwatch-decision")).toBe("block");
    } finally {
      await s.app.close();
    }
  });
});

describe("exposure", () => {
  it("warns when the API is configured beyond loopback without TLS", async () => {
    expect(["127.0.0.1", "127.8.0.1", "::1", "localhost"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.5", "api.internal", "127.0.0.1.nip.io"].some(isLoopback)).toBe(false);
    const exposed = buildTestServer({ options: { host: "0.0.0.0" } });
    const local = buildTestServer();
    const warned = (logs: string[]) => logs.some((line) => line.includes("without TLS"));
    expect(warned(exposed.logs)).toBe(true);
    expect(warned(local.logs)).toBe(false);
    await Promise.all([exposed.app.close(), local.app.close()]);
  });
});

function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const hasOpenssl = requiredInCi(opensslAvailable(), "openssl, for the status API's TLS test,");

describe.skipIf(!hasOpenssl)("HTTPS", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-api-tls-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves TLS with the configured certificate and refuses plain HTTP", async () => {
    const certFile = join(dir, "cert.pem");
    const keyFile = join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    const s = buildTestServer({ options: { port: 0, tls: { certFile, keyFile } } });
    const url = await listenStatusServer(s.app, s.options);
    try {
      expect(url.startsWith("https://127.0.0.1:")).toBe(true);
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${url}/v1/agents?limit=1`,
          { ca: readFileSync(certFile), headers: bearer(s.keys.read.key) },
          (res) => {
            let data = "";
            res.on("data", (chunk) => {
              data += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(JSON.parse(body).items[0].agentId).toBe("agent-high");
      await expect(fetch(url.replace("https:", "http:"))).rejects.toThrow();
    } finally {
      await s.app.close();
    }
  });
});
