/**
 * AWS API Gateway (REST and HTTP API) JSON access logs: documented samples, $context keys, authorizers,
 * rejects.
 */
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { decodeLines, fixtureLines, rejectionOf } from "./helpers.js";

describe("AWS API Gateway JSON", () => {
  const rest = decodeLines(fixtureLines("aws-apigw-rest.constructed.jsonl"), { format: "aws-apigw" });
  const http = decodeLines(fixtureLines("aws-apigw-http.constructed.jsonl"), { format: "aws-apigw" });

  it("reads AWS's documented REST sample format exactly", () => {
    expect(rest[0]?.events[0]).toEqual({
      timestamp: Date.UTC(2026, 10, 20, 7, 45, 36),
      agentId: "198.51.100.23",
      method: "GET",
      path: "/pets/{petId}", // the sample logs no $context.path
      status: 200,
      requestBytes: 0,
      responseBytes: 26,
      latencyMs: 0,
      clientIp: "198.51.100.23",
      tokenId: "",
      userId: "",
      userAgent: "",
      requestId: "8d2f5138-019f-449c-bde7-432ff3cb49a1",
      route: "/pets/{petId}",
      scopes: undefined,
      identitySource: "ip",
      authenticated: false,
      template: "/pets/{petId}",
      queryKeys: [],
      objectId: undefined, // a route template names no object
      objectNumber: undefined,
    });
  });

  it("prefers requestTimeEpoch, reads dotted $context keys, unset `-` values and the principal", () => {
    expect(rest[1]?.events[0]).toMatchObject({
      timestamp: 1795161292123,
      method: "DELETE",
      path: "/prod/pets/1042",
      route: "/pets/{petId}",
      template: "/pets/{petId}",
      objectNumber: 1042,
      status: 403,
      responseBytes: 0,
      latencyMs: 12,
      userAgent: "agent-sdk/1.4",
      agentId: "inventory-agent",
      identitySource: "consumer",
      authenticated: true,
      tokenId: "k3y1d0000abc",
    });
  });

  it("reads nested $context groups and ignores a greedy {proxy+} route", () => {
    expect(rest[2]?.events[0]).toMatchObject({
      clientIp: "198.51.100.25",
      userAgent: "curl/8.5.0",
      route: undefined,
      template: "/prod/admin/users",
      agentId: "7c1a2b3c-cognito-sub",
      identitySource: "jwt",
      authenticated: true,
      status: 404,
    });
  });

  it("reads AWS's documented HTTP API sample format exactly", () => {
    expect(http[0]?.events[0]).toMatchObject({
      timestamp: Date.UTC(2026, 10, 20, 10, 0, 0),
      method: "GET",
      path: "/pets/{id}",
      route: "/pets/{id}",
      status: 200,
      responseBytes: 512,
      clientIp: "203.0.113.50",
      requestId: "KtTFxjF4oAMEP2w=",
      identitySource: "ip",
      authenticated: false,
    });
  });

  it("reads JWT-authorizer claims, latency, and no route for $default", () => {
    expect(http[1]?.events[0]).toMatchObject({
      timestamp: 1795168801250,
      agentId: "checkout-agent",
      identitySource: "jwt",
      authenticated: true,
      latencyMs: 48,
      route: "/orders",
      status: 201,
    });
    expect(http[2]?.events[0]).toMatchObject({
      route: undefined,
      template: "/.env",
      path: "/.env",
      status: 404,
    });
  });

  it("reads a nested identity group with AWS's sample key names", () => {
    const line = JSON.stringify({
      requestId: "r",
      identity: { ip: "198.51.100.60", caller: "-", user: "AIDAEXAMPLEUSER" },
      requestTimeEpoch: "1795168801250",
      httpMethod: "GET",
      resourcePath: "/",
      status: "200",
    });
    const [result] = decodeLines([line], { format: "aws-apigw" });
    expect(result?.events[0]).toMatchObject({
      clientIp: "198.51.100.60",
      agentId: "AIDAEXAMPLEUSER",
      identitySource: "consumer",
      authenticated: true,
    });
  });

  it("keeps only a hash of a logged raw API key", () => {
    const line = JSON.stringify({
      requestId: "r",
      requestTimeEpoch: 1795168801250,
      httpMethod: "GET",
      path: "/a",
      status: 200,
      "identity.apiKey": "raw-key-123",
    });
    const [result] = decodeLines([line], { format: "aws-apigw" });
    expect(result?.events[0]).toMatchObject({ agentId: hashSecret("raw-key-123"), identitySource: "apikey" });
    expect(JSON.stringify(result?.events)).not.toContain("raw-key-123");
  });

  it("rejects records without time or status, and wrongly typed values", () => {
    expect(
      rejectionOf('{"requestId":"r","httpMethod":"GET","path":"/a","status":"200"}', { format: "aws-apigw" })
        .code,
    ).toBe("MISSING_FIELD");
    expect(
      rejectionOf('{"requestTimeEpoch":"1795168801250","httpMethod":"GET","path":"/a","status":"OK"}', {
        format: "aws-apigw",
      }).code,
    ).toBe("INVALID_FIELD");
  });
});
