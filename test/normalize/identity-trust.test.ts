/**
 * Identity trust: which identities are authenticated and which merely claimed; refused requests
 * counted against their address; JWTs verified against a JWKS (file and URL) with tokens signed
 * by an independent implementation (jose), so the checks are not ours grading ourselves.
 */
import * as crypto from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { JwtKeys, jwtVerifyOptionsSchema } from "../../src/normalize/jwt-verify.js";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { createLineDecoder, type DecoderOptionsInput } from "../../src/parse/decoder.js";

const TIME = "2026-11-20T10:00:00+00:00";
const EVENT_S = Date.parse(TIME) / 1000;
const ISSUER = "https://idp.test";

function line(authorization: string | null, status = 200, patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    time_iso8601: TIME,
    remote_addr: "203.0.113.9",
    request: "GET /invoices HTTP/1.1",
    status: String(status),
    http_authorization: authorization,
    http_x_agent_id: "billing-bot",
    ...patch,
  });
}

function decode(text: string, options: DecoderOptionsInput = {}, keys?: JwtKeys): NormalizedEvent {
  const out: NormalizedEvent[] = [];
  const rejection = createLineDecoder({ format: "nginx-json", ...options }, undefined, keys)(text, out);
  expect(rejection).toBeUndefined();
  return out[0] as NormalizedEvent;
}

const keyPair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const otherPair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsaPair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
let jwksFile: string;

async function sign(
  claims: Record<string, unknown>,
  {
    key = keyPair.privateKey,
    alg = "ES256",
    kid = "k1",
  }: { key?: crypto.KeyObject; alg?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid })
    .setIssuer(ISSUER)
    .setAudience("api")
    .setIssuedAt(EVENT_S - 60)
    .setExpirationTime(EVENT_S + 600)
    .sign(key);
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-jwks-"));
  jwksFile = join(dir, "jwks.json");
  const keys = [
    { ...(await exportJWK(keyPair.publicKey)), kid: "k1", use: "sig" },
    { ...(await exportJWK(rsaPair.publicKey)), kid: "r1" },
  ];
  writeFileSync(jwksFile, JSON.stringify({ keys }));
});

const verifying = (extra: object = {}): DecoderOptionsInput => ({
  identity: { jwt: { jwksFile, issuer: ISSUER, audience: "api", ...extra } },
});

describe("refused requests", () => {
  const forged = new UnsecuredJWT({ sub: "billing-bot", jti: "victim-jti-42" }).encode();

  it("count against the source address, not the identity their credential claims", () => {
    for (const status of [401, 403, 407]) {
      const event = decode(line(`Bearer ${forged}`, status));
      expect(event).toMatchObject({ agentId: "203.0.113.9", identitySource: "ip", authenticated: false });
      // The victim's jti is never named: the token id is the forged token's own hash.
      expect(event.tokenId).toBe(hashSecret(forged));
    }
    expect(decode(line(`Bearer ${forged}`, 200))).toMatchObject({
      agentId: "billing-bot",
      identitySource: "jwt",
      authenticated: false,
    });
  });

  it("keep identities the gateway asserted, and guessed API keys go to the address", () => {
    expect(decode(line(null, 403, { remote_user: "kong-consumer" }))).toMatchObject({
      agentId: "kong-consumer",
      identitySource: "consumer",
      authenticated: true,
    });
    const guessed = decode(line(null, 401, { http_x_api_key: "guess-1" }));
    expect(guessed).toMatchObject({ agentId: "203.0.113.9", identitySource: "ip", authenticated: false });
    const accepted = decode(line(null, 200, { http_x_api_key: "real-key" }));
    expect(accepted).toMatchObject({
      agentId: hashSecret("real-key"),
      identitySource: "apikey",
      authenticated: true,
    });
  });

  it("by a trusted (gateway-set) header stay with that header's agent", () => {
    const identity = { order: ["header:x-agent-id", "ip"], trustedHeaders: ["x-agent-id"] };
    expect(decode(line(null, 403), { identity })).toMatchObject({
      agentId: "billing-bot",
      identitySource: "header",
      authenticated: true,
    });
  });
});

describe("JWT verification", () => {
  it("authenticates a token signed by a JWKS key: its sub and jti are the agent's", async () => {
    const token = await sign({ sub: "billing-bot", jti: "jti-7" });
    const event = decode(line(`Bearer ${token}`), verifying());
    expect(event).toMatchObject({
      agentId: "billing-bot",
      identitySource: "jwt",
      authenticated: true,
      tokenId: "jti-7",
    });
    // A verified identity is the token holder's even when refused (403: authenticated, not authorised).
    expect(decode(line(`Bearer ${token}`, 403), verifying())).toMatchObject({
      agentId: "billing-bot",
      authenticated: true,
    });
    const rsa = await sign({ sub: "rsa-bot" }, { key: rsaPair.privateKey, alg: "PS256", kid: "r1" });
    expect(decode(line(`Bearer ${rsa}`), verifying())).toMatchObject({
      agentId: "rsa-bot",
      authenticated: true,
    });
  });

  it("leaves forged, foreign, expired, mis-addressed and algorithm-confused tokens claimed", async () => {
    const cases = {
      unsigned: new UnsecuredJWT({ sub: "billing-bot" }).setIssuer(ISSUER).setAudience("api").encode(),
      otherKey: await sign({ sub: "billing-bot" }, { key: otherPair.privateKey }),
      expired: await new SignJWT({ sub: "billing-bot" })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience("api")
        .setExpirationTime(EVENT_S - 120)
        .sign(keyPair.privateKey),
      notYet: await new SignJWT({ sub: "billing-bot" })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience("api")
        .setNotBefore(EVENT_S + 3600)
        .sign(keyPair.privateKey),
      wrongAudience: await new SignJWT({ sub: "billing-bot" })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience("other")
        .sign(keyPair.privateKey),
      // HS256 keyed with the RSA public key's bytes: the classic confusion attack.
      confused: await new SignJWT({ sub: "billing-bot" })
        .setProtectedHeader({ alg: "HS256", kid: "r1" })
        .setIssuer(ISSUER)
        .setAudience("api")
        .sign(Buffer.from(rsaPair.publicKey.export({ type: "spki", format: "pem" }))),
    };
    for (const [name, token] of Object.entries(cases)) {
      const event = decode(line(`Bearer ${token}`), verifying());
      expect({ name, authenticated: event.authenticated }).toEqual({ name, authenticated: false });
      expect(decode(line(`Bearer ${token}`, 401), verifying()).agentId).toBe("203.0.113.9");
    }
  });

  it("judges expiry on event time with the configured tolerance", async () => {
    const token = await new SignJWT({ sub: "billing-bot" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience("api")
      .setExpirationTime(EVENT_S - 30)
      .sign(keyPair.privateKey);
    expect(decode(line(`Bearer ${token}`), verifying()).authenticated).toBe(true); // within 60 s
    expect(decode(line(`Bearer ${token}`), verifying({ clockToleranceMs: 0 })).authenticated).toBe(false);
  });

  describe("from a JWKS URL", () => {
    let server: Server;
    let url: string;
    let served: object[] = [];
    let fetches = 0;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        fetches++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: served }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("fetches keys at the edge and again, rate-limited, for a token naming an unknown kid", async () => {
      served = [{ ...(await exportJWK(keyPair.publicKey)), kid: "k1" }];
      const options = jwtVerifyOptionsSchema.parse({ jwksUrl: url, minRefreshIntervalMs: 0 });
      const keys = new JwtKeys(options);
      await keys.start();
      try {
        const identity = { jwt: { jwksUrl: url } };
        const first = await sign({ sub: "billing-bot" });
        expect(decode(line(`Bearer ${first}`), { identity }, keys).authenticated).toBe(true);
        // The issuer rotates to a new key: the first token naming it triggers a fetch and stays
        // claimed (no I/O on the event path); once the keys are in, it verifies.
        served = [...served, { ...(await exportJWK(otherPair.publicKey)), kid: "k2" }];
        const rotated = await sign({ sub: "billing-bot" }, { key: otherPair.privateKey, kid: "k2" });
        const before = fetches;
        expect(decode(line(`Bearer ${rotated}`), { identity }, keys).authenticated).toBe(false);
        await keys.refresh();
        expect(fetches).toBeGreaterThan(before);
        expect(decode(line(`Bearer ${rotated}`), { identity }, keys).authenticated).toBe(true);
      } finally {
        keys.stop();
      }
    });

    it("keeps the keys it has when the URL fails, and reports it without key material", async () => {
      const problems: string[] = [];
      const keys = new JwtKeys(jwtVerifyOptionsSchema.parse({ jwksUrl: `${url}x`, jwksFile }), (m) =>
        problems.push(m),
      );
      served = [];
      await keys.start();
      keys.stop();
      expect(problems[0]).toMatch(/JWKS fetch failed .*keeping 2 known keys/);
      const token = await sign({ sub: "billing-bot" });
      expect(decode(line(`Bearer ${token}`), { identity: { jwt: { jwksFile } } }, keys).authenticated).toBe(
        true,
      );
    });
  });
});
