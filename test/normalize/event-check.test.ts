/** The fast event check compiled from accessEventSchema agrees with zod and exposes its limits. */
import { describe, expect, it } from "vitest";
import { accessEventSchema } from "../../src/events/event.js";
import { describeInvalid, firstInvalidField, LIMITS } from "../../src/normalize/event-check.js";

const VALID: Record<string, unknown> = {
  timestamp: 1795169701000,
  agentId: "agent",
  method: "GET",
  path: "/a",
  status: 200,
  requestBytes: 0,
  responseBytes: 10,
  latencyMs: 1.5,
  clientIp: "192.0.2.1",
  tokenId: "",
  userId: "",
  userAgent: "",
  requestId: "",
  route: undefined,
  scopes: undefined,
};

/** Values that probe each kind of bound: types, lengths, signs, integers, ranges. */
const VARIANTS: unknown[] = [
  undefined,
  null,
  "",
  "x",
  "x".repeat(16),
  "x".repeat(17),
  "x".repeat(64),
  "x".repeat(65),
  "x".repeat(256),
  "x".repeat(257),
  "x".repeat(8193),
  0,
  -1,
  1.5,
  999,
  1000,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1795169701000,
  true,
  [],
  ["read"],
  [1],
  Array.from({ length: 65 }, () => "s"),
  {},
];

describe("the fast event check compiled from accessEventSchema", () => {
  it("agrees with zod on every field and every probe value", () => {
    for (const field of Object.keys(VALID)) {
      for (const value of VARIANTS) {
        const event = { ...VALID, [field]: value };
        const zodAccepts = accessEventSchema.safeParse(event).success;
        const bad = firstInvalidField(event);
        expect(bad === undefined, `${field} = ${JSON.stringify(value)?.slice(0, 40)}`).toBe(zodAccepts);
        if (bad !== undefined) expect(bad).toBe(field);
      }
    }
  });

  it("accepts the valid event and explains a failure in zod's words", () => {
    expect(firstInvalidField(VALID)).toBeUndefined();
    expect(describeInvalid({ ...VALID, status: 1000 })).toMatch(/^status: /);
  });

  it("exposes the schema's limits", () => {
    expect(LIMITS).toEqual({ agentId: 256, tokenId: 512, path: 8192, userAgent: 1024 });
  });
});
