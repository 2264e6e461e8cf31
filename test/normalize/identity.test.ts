/**
 * Identity resolution (the configured candidate order), credentials read from JWTs and keys, identity
 * options.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_IDENTITY_ORDER, identityOptionsSchema } from "../../src/normalize/identity.js";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { decoderOptionsSchema } from "../../src/parse/decoder.js";
import { decodeOne, rejectionOf } from "../parse/helpers.js";

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const JWT = `${part({ alg: "RS256" })}.${part({ sub: "jwt-agent", jti: "jti-1", client_id: "client-9", scope: "a b" })}.sig`;

/** An nginx JSON record carrying every kind of identity evidence. */
function record(patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    time_iso8601: "2026-11-20T10:00:00+00:00",
    remote_addr: "192.0.2.1",
    remote_user: "consumer-agent",
    request: "GET /a HTTP/1.1",
    status: "200",
    agent_id: "explicit-agent",
    http_x_agent_id: "header-agent",
    http_x_client_name: "named-agent",
    http_authorization: `Bearer ${JWT}`,
    http_x_api_key: "key-secret",
    ...patch,
  });
}

/** Headers these tests' gateway sets itself, so they may name agents. */
const trustedHeaders = ["x-agent-id", "x-client-name"];

const identify = (order: string[], patch?: Record<string, unknown>, identity: object = {}) => {
  const event = decodeOne(record(patch), {
    format: "nginx-json",
    identity: { order, trustedHeaders, ...identity },
  });
  return [event.agentId, event.identitySource];
};

describe("identity resolution", () => {
  it("defaults to agent, consumer, jwt, apikey, ip: no client-set header", () => {
    expect(DEFAULT_IDENTITY_ORDER).toEqual(["agent", "consumer", "jwt", "apikey", "ip"]);
    expect(decodeOne(record(), { format: "nginx-json", identity: {} })).toMatchObject({
      agentId: "explicit-agent",
      identitySource: "agent",
      authenticated: true,
    });
    const noAgent = { agent_id: null };
    expect(decodeOne(record(noAgent), { format: "nginx-json", identity: {} })).toMatchObject({
      agentId: "consumer-agent",
      identitySource: "consumer",
    });
  });

  it("takes each candidate when it comes first", () => {
    expect(identify(["header:x-agent-id", "ip"])).toEqual(["header-agent", "header"]);
    expect(identify(["jwt", "ip"])).toEqual(["jwt-agent", "jwt"]);
    expect(identify(["consumer", "ip"])).toEqual(["consumer-agent", "consumer"]);
    expect(identify(["apikey", "ip"])).toEqual([hashSecret("key-secret"), "apikey"]);
    expect(identify(["ip"])).toEqual(["192.0.2.1", "ip"]);
  });

  it("falls through absent candidates in order", () => {
    const none = { agent_id: null, http_authorization: null, remote_user: "-" };
    expect(identify([...DEFAULT_IDENTITY_ORDER], none)).toEqual([hashSecret("key-secret"), "apikey"]);
    expect(identify([...DEFAULT_IDENTITY_ORDER], { ...none, http_x_api_key: null })).toEqual([
      "192.0.2.1",
      "ip",
    ]);
  });

  it("matches header names case-insensitively", () => {
    expect(identify(["header:X-Client-Name"])).toEqual(["named-agent", "header"]);
  });

  it("skips unusable values instead of rejecting the request", () => {
    expect(identify(["header:x-agent-id", "jwt"], { http_x_agent_id: "x".repeat(257) })).toEqual([
      "jwt-agent",
      "jwt",
    ]);
    expect(identify(["header:x-agent-id", "jwt"], { http_x_agent_id: "evil\nagent" })).toEqual([
      "jwt-agent",
      "jwt",
    ]);
    expect(identify(["header:x-agent-id", "jwt"], { http_x_agent_id: "x".repeat(256) })[1]).toBe("header");
  });

  it("reads a configured claim and authorization header", () => {
    expect(identify(["jwt"], {}, { subjectClaim: "client_id" })).toEqual(["client-9", "jwt"]);
    const moved = { http_authorization: null, http_x_auth: `bearer ${JWT}` };
    expect(identify(["jwt", "ip"], moved, { authorizationHeader: "X-Auth" })).toEqual(["jwt-agent", "jwt"]);
  });

  it("ignores JWTs it cannot read, and prototype keys in their payload", () => {
    const garbage = { http_authorization: "Bearer not.a-jwt.at-all" };
    expect(identify(["jwt", "ip"], garbage)).toEqual(["192.0.2.1", "ip"]);
    const hostile = `${part({ alg: "none" })}.${Buffer.from('{"__proto__":{"sub":"x"},"sub":"evil"}').toString("base64url")}.`;
    expect(identify(["jwt", "ip"], { http_authorization: `Bearer ${hostile}` })).toEqual(["192.0.2.1", "ip"]);
  });

  it("rejects MISSING_IDENTITY when no candidate yields", () => {
    expect(
      rejectionOf(record({ remote_user: "-" }), { format: "nginx-json", identity: { order: ["consumer"] } })
        .code,
    ).toBe("MISSING_IDENTITY");
  });
});

describe("credentials", () => {
  it("are read whatever the identity order: scopes of the JWT, its jti only once verified", () => {
    const event = decodeOne(record(), { format: "nginx-json", identity: { order: ["ip"] } });
    expect(event).toMatchObject({ identitySource: "ip", tokenId: hashSecret(JWT), scopes: ["a", "b"] });
  });

  it("are hashed when only the raw secret is logged", () => {
    const noJti = `${part({ alg: "RS256" })}.${part({ sub: "s" })}.sig`;
    const cases: [Record<string, unknown>, string][] = [
      [{ http_authorization: `Bearer ${noJti}` }, noJti],
      [{ http_authorization: "Bearer opaque-123" }, "opaque-123"],
      [{ http_authorization: "Basic dXNlcjpwYXNz" }, "Basic dXNlcjpwYXNz"],
      [{ http_authorization: null }, "key-secret"],
    ];
    for (const [patch, secret] of cases) {
      const event = decodeOne(record(patch), { format: "nginx-json", identity: {} });
      expect(event.tokenId).toBe(hashSecret(secret));
      expect(JSON.stringify(event)).not.toContain(secret);
    }
    expect(hashSecret("x")).toBe("sha256:2d711642b726b044");
  });

  it("are absent when the gateway logged them masked", () => {
    const masked = { http_authorization: "REDACTED", http_x_api_key: "********" };
    const event = decodeOne(record(masked), { format: "nginx-json", identity: { order: ["apikey", "ip"] } });
    expect(event).toMatchObject({ tokenId: "", identitySource: "ip" });
  });
});

describe("identity options", () => {
  it("fill in defaults and are strict", () => {
    const options = decoderOptionsSchema.parse({});
    expect(options).toEqual({
      format: "auto",
      identity: {
        order: [...DEFAULT_IDENTITY_ORDER],
        trustedHeaders: [],
        authorizationHeader: "authorization",
        apiKeyHeaders: ["x-api-key", "apikey"],
        subjectClaim: "sub",
        jwt: expect.objectContaining({ clockToleranceMs: 60_000, cacheSize: 10_000 }),
      },
      maxLineLength: 1048576,
      maxFutureSkewMs: 3600000,
      maxGapMs: 604800000,
      maxPastSkewMs: 604800000,
      clientAddress: "forwarded",
      trustedProxies: [],
      unwrapCri: true,
      operations: expect.objectContaining({
        enabled: true,
        graphqlRoutes: ["graphql"],
        toolSegments: ["tools"],
      }),
    });
    expect(decoderOptionsSchema.safeParse({ fromat: "json" }).success).toBe(false);
    expect(decoderOptionsSchema.safeParse({ format: "apache" }).success).toBe(false);
    expect(identityOptionsSchema.safeParse({ order: ["agent", "cookie"] }).success).toBe(false);
    expect(identityOptionsSchema.safeParse({ order: [] }).success).toBe(false);
    expect(identityOptionsSchema.safeParse({ order: ["header:"] }).success).toBe(false);
    expect(identityOptionsSchema.safeParse({ orderr: ["ip"] }).success).toBe(false);
  });

  it("refuse a header identity the gateway is not said to set", () => {
    const spoofable = identityOptionsSchema.safeParse({ order: ["header:x-agent-id", "ip"] });
    expect(spoofable.success).toBe(false);
    expect(spoofable.error?.issues[0]).toMatchObject({ path: ["order", 0] });
    expect(spoofable.error?.issues[0]?.message).toContain("trustedHeaders");
    const trusted = { order: ["header:X-Agent-Id", "ip"], trustedHeaders: ["x-agent-id"] };
    expect(identityOptionsSchema.safeParse(trusted).success).toBe(true);
  });
});
