/**
 * Kong file-log / http-log records: the documented sample, batches, JWT and API-key identities, route
 * templates.
 */
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { BEARER_TOKEN, decodeLines, fixtureLines, rejectionOf } from "./helpers.js";

describe("kong file-log / http-log", () => {
  const [docs] = decodeLines(fixtureLines("kong-file-log.jsonl"), { format: "kong" });
  const constructed = decodeLines(fixtureLines("kong.constructed.jsonl"), { format: "kong" });

  it("reads the documented sample exactly", () => {
    expect(docs?.events).toEqual([
      {
        timestamp: 1614232668342,
        agentId: "foo",
        method: "GET",
        path: "/log",
        status: 200,
        requestBytes: 138,
        responseBytes: 827,
        latencyMs: 515,
        clientIp: "192.168.144.1",
        tokenId: "c62c1455-9b1d-4f2d-8797-509ba83b8ae8", // authenticated_entity: the credential
        userId: "",
        userAgent: "HTTPie/2.4.0",
        requestId: "",
        route: undefined, // route.paths are prefixes, not templates
        scopes: undefined,
        identitySource: "consumer",
        authenticated: true,
        template: "/log",
        queryKeys: [],
        objectId: undefined,
        objectNumber: undefined,
      },
    ]);
  });

  it("reads a batch array into one event per record, in order", () => {
    const events = constructed[0]?.events ?? [];
    expect(events.map((e) => [e.agentId, e.identitySource, e.status, e.objectNumber, e.requestId])).toEqual([
      ["crm-agent", "header", 200, 1042, "b7e1c2d3-0001"],
      ["crm-agent", "header", 404, 1043, "b7e1c2d3-0002"],
    ]);
    expect(events[1]?.timestamp).toBe(1795161600250);
  });

  it("reads a bearer JWT from request.headers", () => {
    expect(constructed[1]?.events[0]).toMatchObject({
      agentId: "billing-agent",
      identitySource: "jwt",
      authenticated: false,
      tokenId: hashSecret(BEARER_TOKEN), // no JWKS configured: the jti is only claimed
      template: "/invoices",
      queryKeys: ["draft"],
    });
  });

  it("identifies by a hashed API key, never the key itself", () => {
    const event = constructed[2]?.events[0];
    expect(event).toMatchObject({ identitySource: "apikey", agentId: hashSecret("s3cr3t-api-key-value") });
    expect(event?.tokenId).toBe(hashSecret("s3cr3t-api-key-value"));
    expect(JSON.stringify(event)).not.toContain("s3cr3t");
  });

  it("uses a single regex route path as the route template, never a prefix path", () => {
    const record = JSON.parse(fixtureLines("kong-file-log.jsonl")[0] as string);
    record.request.uri = "/customers/1042";
    record.route.paths = ["~/customers/\\d+$"];
    const [regex] = decodeLines([JSON.stringify(record)], { format: "kong" });
    expect(regex?.events[0]).toMatchObject({
      route: "~/customers/\\d+$",
      template: "~/customers/\\d+$",
      objectNumber: 1042,
    });
    record.route.paths = ["/customers"];
    const [prefix] = decodeLines([JSON.stringify(record)], { format: "kong" });
    expect(prefix?.events[0]).toMatchObject({ route: undefined, template: "/customers/{id}" });
  });

  it("rejects a whole batch when one record is bad", () => {
    const good = JSON.parse(fixtureLines("kong-file-log.jsonl")[0] as string);
    const bad = { ...good, response: { status: "two hundred", size: 1 } };
    const rejection = rejectionOf(JSON.stringify([good, bad]), { format: "kong" });
    expect(rejection.code).toBe("INVALID_FIELD");
    expect(rejection.message).toContain("batch record 1");
    expect(rejectionOf("[]", { format: "kong" }).code).toBe("MALFORMED_LINE");
    expect(rejectionOf('{"request":{"method":"GET"}}', { format: "kong" }).code).toBe("MISSING_FIELD");
  });
});
