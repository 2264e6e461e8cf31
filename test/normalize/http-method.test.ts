/** Methods are upper-cased for the profile, and values that are no method token are refused. */
import { describe, expect, it } from "vitest";
import { canonicalMethod } from "../../src/normalize/http-method.js";
import { decodeOne, NOW, rejectionOf } from "../parse/helpers.js";

const line = (method: string) =>
  JSON.stringify({ timestamp: NOW - 1000, agentId: "a", method, path: "/v1/items/1", status: 200 });

describe("HTTP method", () => {
  it("keeps the common upper-case methods and upper-cases other tokens", () => {
    expect(canonicalMethod("GET")).toBe("GET");
    expect(canonicalMethod("delete")).toBe("DELETE");
    expect(canonicalMethod("Patch")).toBe("PATCH");
    expect(canonicalMethod("PROPFIND")).toBe("PROPFIND");
  });

  it("refuses what is no method token", () => {
    for (const bad of ["", "GET POST", "<script>", 'GE"T', "DELETE\n", "ÜBER"])
      expect(canonicalMethod(bad)).toBeUndefined();
  });

  it("a lower-case DELETE reaches the profile as DELETE; markup in the method is INVALID_FIELD", () => {
    expect(decodeOne(line("delete")).method).toBe("DELETE");
    const rejected = rejectionOf(line("<script>"));
    expect(rejected.code).toBe("INVALID_FIELD");
    expect(rejected.message).toMatch(/method/);
  });
});
