// API keys: generation, the config snippet `agentwatch keys create` prints (and that it really
// grants access), scope parsing, the generated admin key of the embedded default, verification.
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { statusApiOptionsSchema } from "../../src/api/options.js";
import { buildStatusServer } from "../../src/api/server.js";
import {
  createKeyCommand,
  createKeyVerifier,
  generateApiKey,
  hashApiKey,
  issueApiKey,
  parseScopes,
  resolveApiKeys,
} from "../../src/keys/keys.js";
import { bearer, buildTestServer } from "./helpers.js";

describe("keys", () => {
  it("generates distinct 256-bit keys and hashes them with SHA-256", () => {
    const a = generateApiKey();
    expect(a).toMatch(/^aw_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(a);
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("prints the key once and a config snippet that grants exactly the requested scopes", async () => {
    let printed = "";
    const entry = createKeyCommand("read, gateway", { name: "grafana", write: (text) => (printed += text) });
    const key = /\b(aw_[A-Za-z0-9_-]{43})\b/.exec(printed)?.[1] as string;
    expect(printed.split(key)).toHaveLength(2);
    expect(hashApiKey(key)).toBe(entry.sha256);

    const config = YAML.parse(printed.slice(printed.indexOf("api:")));
    const options = statusApiOptionsSchema.parse(config.api);
    expect(options.keys).toEqual([{ name: "grafana", sha256: entry.sha256, scopes: ["read", "gateway"] }]);
    const base = buildTestServer();
    const app = buildStatusServer(base.deps, options);
    expect((await app.inject({ url: "/v1/agents", headers: bearer(key) })).statusCode).toBe(200);
    expect((await app.inject({ method: "POST", url: "/v1/test", headers: bearer(key) })).statusCode).toBe(
      403,
    );
    await Promise.all([app.close(), base.app.close()]);
  });

  it("rejects unknown or empty scopes", () => {
    expect(parseScopes("admin,read,admin")).toEqual(["admin", "read"]);
    expect(() => parseScopes("read,root")).toThrow(/--scopes: expected a comma list/);
    expect(() => parseScopes(" , ")).toThrow(/--scopes: expected a comma list/);
  });

  it("generates and announces an admin key when none is configured, and only then", () => {
    const announced: string[] = [];
    const [generated] = resolveApiKeys([], (text) => announced.push(text));
    expect(generated?.scopes).toEqual(["read", "admin", "gateway", "metrics"]);
    const key = /(aw_[A-Za-z0-9_-]{43})/.exec(announced.join(""))?.[1] as string;
    expect(hashApiKey(key)).toBe(generated?.sha256);

    const configured = issueApiKey("ops", ["read"]).entry;
    expect(resolveApiKeys([configured], (text) => announced.push(text))).toEqual([configured]);
    expect(announced).toHaveLength(1);
  });

  it("verifies against every entry and refuses duplicates and absurd input", () => {
    const a = issueApiKey("a", ["read"]);
    const b = issueApiKey("b", ["admin"]);
    const verify = createKeyVerifier([a.entry, b.entry]);
    expect(verify(a.key)?.name).toBe("a");
    expect([...(verify(b.key)?.scopes ?? [])]).toEqual(["admin"]);
    expect(verify(a.entry.sha256)).toBeUndefined();
    expect(verify("")).toBeUndefined();
    expect(verify("x".repeat(10_000))).toBeUndefined();
    expect(() => createKeyVerifier([a.entry, { ...a.entry, name: "copy" }])).toThrow(/repeats/);
    expect(() => createKeyVerifier([a.entry, { ...b.entry, name: "a" }])).toThrow(/repeats/);
  });

  it("refuses to build an API without keys", () => {
    const base = buildTestServer();
    expect(() => buildStatusServer(base.deps, statusApiOptionsSchema.parse({}))).toThrow(/resolveApiKeys/);
  });

  it("rejects misspelt or malformed key config", () => {
    expect(() =>
      statusApiOptionsSchema.parse({ keys: [{ name: "x", sha256: "abc", scopes: ["read"] }] }),
    ).toThrow();
    expect(() =>
      statusApiOptionsSchema.parse({
        keys: [{ name: "x", sha256: "a".repeat(64), scopes: ["read"], scope: [] }],
      }),
    ).toThrow();
    expect(() => statusApiOptionsSchema.parse({ hots: "0.0.0.0" })).toThrow();
  });
});
