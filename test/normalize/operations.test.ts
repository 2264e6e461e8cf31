/**
 * Operations as endpoints, on the request shapes real clients send: GraphQL over HTTP (POST body
 * and GET query, per the GraphQL-over-HTTP spec), Apollo persisted queries, the Apollo CSRF header,
 * MCP JSON-RPC `tools/call`, and a tool gateway with the tool in the path; through the decoder too.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import {
  leadingVerb,
  OperationResolver,
  operationOfBody,
  operationsOptionsSchema,
} from "../../src/normalize/operations.js";
import { createLineDecoder } from "../../src/parse/decoder.js";

const resolver = new OperationResolver(operationsOptionsSchema.parse({}));

describe("operation named by a logged body", () => {
  it("GraphQL over HTTP POST: operationName wins, else the document's first operation", () => {
    const body = {
      query: "query GetOrder($id: ID!) { order(id: $id) { id status } }",
      operationName: "GetOrder",
      variables: { id: "h4kq2m9xw7ta" },
    };
    expect(operationOfBody(body)).toBe("GetOrder");
    expect(operationOfBody(JSON.stringify({ ...body, operationName: undefined }))).toBe("GetOrder");
    expect(operationOfBody({ query: "mutation { deleteProduct(id: 1) { id } }" })).toBe("anonymous mutation");
    expect(operationOfBody({ query: "{ viewer { id } }" })).toBe("anonymous query");
    expect(operationOfBody({ variables: {} })).toBeUndefined();
  });

  it("Apollo persisted query: the hash names the operation", () => {
    const body = {
      extensions: {
        persistedQuery: {
          version: 1,
          sha256Hash: "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38",
        },
      },
      variables: { id: 1 },
    };
    expect(operationOfBody(body)).toBe("pq:ecf4edb46db4");
  });

  it("MCP JSON-RPC tools/call: the tool's name; other methods are the method", () => {
    const call = {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "get_weather", arguments: { location: "New York" } },
    };
    expect(operationOfBody(JSON.stringify(call))).toBe("get_weather");
    expect(operationOfBody({ jsonrpc: "2.0", id: 1, method: "tools/list" })).toBe("tools/list");
    expect(operationOfBody("not json")).toBeUndefined();
  });
});

describe("OperationResolver", () => {
  it("GraphQL GET is a query whatever its name; the name comes from operationName", () => {
    const path = `/graphql?query=${encodeURIComponent("query GetOrder { order(id: 1) { id } }")}&operationName=GetOrder`;
    expect(resolver.resolve("GET", "/graphql", path, undefined)).toEqual({
      template: "/graphql#GetOrder",
      name: "GetOrder",
      access: "read",
    });
  });

  it("a persisted query over GET without a name is keyed by its hash", () => {
    const ext = encodeURIComponent(
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: "ABCDEF0123456789ff" } }),
    );
    expect(
      resolver.resolve("GET", "/api/graphql", `/api/graphql?extensions=${ext}`, undefined)?.template,
    ).toBe("/api/graphql#pq:abcdef012345");
  });

  it("POST reads and writes come from the operation, not the method", () => {
    expect(resolver.resolve("POST", "/graphql", "/graphql", "SearchProducts")?.access).toBe("read");
    expect(resolver.resolve("POST", "/graphql", "/graphql", "UpdateCart")?.access).toBe("write");
    expect(resolver.resolve("POST", "/graphql", "/graphql", "deleteStore")?.access).toBe("destructive");
    // an unnamed document in the query string says it is a mutation
    const doc = encodeURIComponent("mutation { createReturn(order: 1) { id } }");
    expect(resolver.resolve("POST", "/graphql", `/graphql?query=${doc}`, undefined)?.access).toBe("write");
  });

  it("tool gateways: the tool in the path, destructive by verb; unknown verbs write", () => {
    expect(resolver.resolve("POST", "/mcp/tools/get_order", "/mcp/tools/get_order", undefined)).toEqual({
      template: "/mcp/tools#get_order",
      name: "get_order",
      access: "read",
    });
    expect(resolver.resolve("POST", "/tools/refund_order", "/tools/refund_order", undefined)?.access).toBe(
      "destructive",
    );
    expect(
      resolver.resolve("POST", "/mcp/tools/frobnicate", "/mcp/tools/frobnicate", undefined)?.access,
    ).toBe("write");
    expect(resolver.resolve("POST", "/mcp", "/mcp", "transfer_funds")).toEqual({
      template: "/mcp#transfer_funds",
      name: "transfer_funds",
      access: "destructive",
    });
  });

  it("config lists name operations whose verb says nothing; other routes are left alone", () => {
    const custom = new OperationResolver(
      operationsOptionsSchema.parse({ destructive: ["PurgeEverything2"], graphqlRoutes: ["gql"] }),
    );
    expect(custom.resolve("POST", "/v1/gql", "/v1/gql", "PurgeEverything2")?.access).toBe("destructive");
    expect(custom.resolve("POST", "/graphql", "/graphql", "GetOrder")).toBeUndefined();
    expect(resolver.resolve("GET", "/v1/orders/{id}", "/v1/orders/7", "GetOrder")).toBeUndefined();
    expect(
      new OperationResolver(operationsOptionsSchema.parse({ enabled: false })).resolve(
        "POST",
        "/graphql",
        "/graphql",
        "X",
      ),
    ).toBeUndefined();
  });

  it("leading verbs of camelCase, PascalCase and snake_case names", () => {
    expect(["getOrder", "GetOrder", "delete_product", "refund-order", "tools/list"].map(leadingVerb)).toEqual(
      ["get", "get", "delete", "refund", "tools"],
    );
  });
});

describe("through the decoder", () => {
  const decode = (line: string, options = {}) => {
    const out: NormalizedEvent[] = [];
    createLineDecoder({ format: "auto", ...options })(line, out);
    return out[0];
  };
  const base = {
    timestamp: "2026-01-05T10:00:00Z",
    agentId: "a1",
    status: 200,
    requestBytes: 300,
    responseBytes: 1500,
  };

  it("json: a logged operation or body makes the GraphQL operation the endpoint", () => {
    const e = decode(JSON.stringify({ ...base, method: "POST", path: "/graphql", operation: "GetOrder" }));
    expect(e).toMatchObject({
      template: "/graphql#GetOrder",
      operation: "GetOrder",
      operationAccess: "read",
    });
    const body = {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "delete_product", arguments: {} },
    };
    const m = decode(JSON.stringify({ ...base, method: "POST", path: "/mcp", body }));
    expect(m).toMatchObject({ template: "/mcp#delete_product", operationAccess: "destructive" });
  });

  it("nginx-json: the Apollo client's x-apollo-operation-name header, logged as $http_x_apollo_operation_name", () => {
    const line = JSON.stringify({
      time_iso8601: "2026-01-05T10:00:00+00:00",
      remote_addr: "10.0.0.1",
      request_method: "POST",
      request_uri: "/graphql",
      status: "200",
      body_bytes_sent: "1500",
      request_time: "0.010",
      http_x_agent_id: "a1",
      http_x_apollo_operation_name: "UpdateCart",
    });
    expect(decode(line, { format: "nginx-json" })).toMatchObject({
      template: "/graphql#UpdateCart",
      operationAccess: "write",
    });
  });
});
