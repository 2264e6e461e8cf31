// Property-based fuzzing of the status API's routes that take a body: every state-changing
// operation the OpenAPI document lists, called with an admin key and random JSON (any value, and
// objects built from the routes' own field names with random values), random non-JSON text, and
// random path ids. Whatever arrives, the answer is a success or a 4xx `{error: {code, message}}`,
// never a 5xx.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../helpers/fuzz.js";
import { bearer, buildTestServer } from "./helpers.js";

// Errors only (a 5xx is logged at error level): thousands of requests' trace lines cost more than the requests.
const logs: string[] = [];
const { app, keys } = buildTestServer({
  options: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
  deps: {
    logger: createLogger({ level: "error", destination: { write: (line: string) => logs.push(line) } }),
  },
});
afterAll(() => app.close());
const admin = bearer(keys.admin.key);

interface Operation {
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  hasBody: boolean;
}

async function bodyOperations(): Promise<Operation[]> {
  const res = await app.inject({ url: "/openapi.json", headers: bearer(keys.read.key) });
  expect(res.statusCode).toBe(200);
  const paths = res.json().paths as Record<string, Record<string, { requestBody?: unknown }>>;
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase() as Operation["method"],
        path,
        hasBody: operation.requestBody !== undefined,
      })),
  );
}

/** The field names the API's bodies use, so random objects often get past the first check. */
const FIELD_NAMES = [
  "entry",
  "reason",
  "agentId",
  "type",
  "duration",
  "ratePerMinute",
  "__proto__",
  "constructor",
];
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    "block",
    "throttle",
    "revoke",
    "4h",
    "0s",
    "-1h",
    "999999d",
    "10.0.0.0/8",
    "::/0",
    "0.0.0.0/0",
    "",
  ),
  fc.string({ unit: "binary", maxLength: 600 }),
  fc.double(),
  fc.integer(),
);
const fieldObject = fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue, { maxKeys: 6 });
const jsonBody = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fieldObject).map((value) => JSON.stringify(value));
/** Bodies that are not JSON at all, declared as JSON anyway. */
const brokenBody = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  jsonBody.map((text) => text.slice(0, Math.floor(text.length / 2))),
);
const pathId = fc.oneof(
  fc.constantFrom("agent-high", "agent-low", "10.0.0.1", "unknown"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 300 }),
);

function expectCleanAnswer(status: number, contentType: string | undefined, body: string): void {
  expect(status, body).toBeLessThan(500);
  if (status < 400) return;
  expect(contentType).toMatch(/^application\/json/);
  const parsed = JSON.parse(body);
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(typeof parsed.error.code).toBe("string");
  expect(typeof parsed.error.message).toBe("string");
  expect(body).not.toMatch(/\bat .+:\d+|\/work\/|node_modules|stack/i);
}

const operations = await bodyOperations();

describe("fuzzing the status API's routes with a body", () => {
  it("finds the routes with a body in the OpenAPI document", () => {
    // The ones that exist today; new ones are fuzzed as soon as the document lists them.
    expect(operations.filter((op) => op.hasBody).map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining(["POST /v1/agents/{id}/unblock", "POST /v1/allowlist", "POST /v1/decisions"]),
    );
  });

  for (const operation of operations) {
    it(
      `${operation.method} ${operation.path}: random JSON, broken JSON and random ids never give a 5xx`,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(jsonBody, brokenBody), pathId, async (payload, id) => {
            const url = operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
            const res = await app.inject({
              method: operation.method,
              url,
              headers: { ...admin, "content-type": "application/json" },
              payload,
            });
            expectCleanAnswer(res.statusCode, res.headers["content-type"] as string | undefined, res.body);
          }),
          fuzzParameters(),
        );
        expect(logs).toEqual([]);
      },
      FUZZ_TIMEOUT_MS,
    );
  }
});
