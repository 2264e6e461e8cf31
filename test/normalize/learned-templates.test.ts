/**
 * Learned route templates: positions that take many values under one prefix become `{param}`,
 * frequent values stay literal, decisions never change, memory is bounded, and the learned value
 * is the object id enumeration counts. Also on the commerce simulator world end to end.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import {
  LEARNED_PLACEHOLDER,
  RouteTemplateLearner,
  templateLearningOptionsSchema,
} from "../../src/normalize/route-template-learner.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { sku, storeSlug } from "../../src/sim/commerce.js";
import { RENDERERS } from "../../src/sim/formats.js";
import { Simulation } from "../../src/sim/generator.js";
import { resolveSettings } from "../../src/sim/settings.js";
import { ev } from "../helpers/events.js";

const learner = (o = {}) =>
  new RouteTemplateLearner(templateLearningOptionsSchema.parse({ minDistinct: 8, ...o }));
const apply = (l: RouteTemplateLearner, path: string, extra: Partial<NormalizedEvent> = {}) => {
  const e = ev({ path, ...extra });
  const source = l.apply(e);
  return { e, source };
};

describe("RouteTemplateLearner", () => {
  it("turns store slugs and SKUs into parameters once enough distinct values were seen", () => {
    const l = learner();
    const before = apply(l, `/v3/stores/${storeSlug(0)}/products/${sku(0, 1)}`);
    expect(before.e.template).toBe(`/v3/stores/${storeSlug(0)}/products/${sku(0, 1)}`);
    for (let i = 1; i < 12; i++) apply(l, `/v3/stores/${storeSlug(i)}/products/${sku(i, i)}`);
    for (let n = 0; n < 12; n++) apply(l, `/v3/stores/${storeSlug(3)}/products/${sku(3, n)}`);
    const { e, source } = apply(l, `/v3/stores/${storeSlug(99)}/products/mist-18155-olv-l`);
    expect(e.template).toBe(`/v3/stores/${LEARNED_PLACEHOLDER}/products/${LEARNED_PLACEHOLDER}`);
    // the learned value feeds enumeration as the object id
    expect(e.objectId).toBe("mist-18155-olv-l");
    expect(source).toMatch(/position after \/v3\/stores\/\{param\}\/products took 8 distinct values/);
    expect(l.stats().learned).toBe(2);
  });

  it("keeps collections literal: few distinct values never make a parameter", () => {
    const l = learner();
    for (let k = 0; k < 500; k++) apply(l, `/api/v1/${["customers", "orders", "invoices", "search"][k % 4]}`);
    expect(apply(l, "/api/v1/orders").e.template).toBe("/api/v1/orders");
  });

  it("is stable: values frequent when learned stay literal, and a decision is never revisited", () => {
    const l = learner();
    for (let k = 0; k < 30; k++) apply(l, "/v3/stores/search");
    for (let i = 0; i < 8; i++) apply(l, `/v3/stores/${storeSlug(i)}`);
    expect(apply(l, "/v3/stores/search").e.template).toBe("/v3/stores/search");
    expect(apply(l, "/v3/stores/brand-new-store").e.template).toBe("/v3/stores/{param}");
    for (let k = 0; k < 1000; k++) apply(l, "/v3/stores/search");
    expect(apply(l, `/v3/stores/${storeSlug(1)}`).e.template).toBe("/v3/stores/{param}");
  });

  it("leaves root children, file names, id placeholders, gateway routes and operations alone", () => {
    const l = learner();
    for (let i = 0; i < 20; i++) apply(l, `/probe-${i}x`);
    expect(apply(l, "/v3").e.template).toBe("/v3");
    for (let i = 0; i < 20; i++) apply(l, `/files/report-${i}.pdf`);
    expect(apply(l, "/files/other.pdf").e.template).toBe("/files/other.pdf");
    expect(apply(l, "/v1/orders/42").e.template).toBe("/v1/orders/{id}");
    for (let i = 0; i < 20; i++) apply(l, `/mcp/tools/t${i}x`, { operationAccess: "write" });
    expect(apply(l, "/mcp/tools/other", { operationAccess: "write" }).e.template).toBe("/mcp/tools/other");
    for (let i = 0; i < 20; i++) apply(l, `/pets/n${i}x`, { route: "/pets/{name}" });
    expect(l.stats().prefixes).toBe(1); // only /files
  });

  it("bounds memory: past maxPrefixes nothing new is tracked", () => {
    const l = learner({ maxPrefixes: 16 });
    for (let i = 0; i < 100; i++) apply(l, `/t/tenant-${i}a/x/${i}b`);
    expect(l.stats().prefixes).toBe(16);
  });

  it("can be turned off", () => {
    const l = learner({ enabled: false });
    for (let i = 0; i < 20; i++) apply(l, `/v3/stores/${storeSlug(i)}`);
    expect(apply(l, "/v3/stores/x-y-z").e.template).toBe("/v3/stores/x-y-z");
  });
});

describe("on the commerce world", () => {
  it("leaves a few dozen endpoints once slugs, SKUs and opaque order ids are learned", () => {
    const sim = new Simulation(resolveSettings("commerce", { agents: 60, hours: 12, seed: 5 }));
    const decode = createLineDecoder({ format: "json" }, () => sim.endMs);
    const l = new RouteTemplateLearner(templateLearningOptionsSchema.parse({}));
    const late = new Set<string>();
    const out: NormalizedEvent[] = [];
    let n = 0;
    for (const e of sim) {
      out.length = 0;
      decode(RENDERERS.json(e), out);
      const event = out[0];
      if (!event || e.malicious) continue;
      l.apply(event);
      if (n++ > 3000) late.add(`${event.method} ${event.template}`);
    }
    expect(n).toBeGreaterThan(6000);
    expect([...late].filter((t) => /misty|amber|-\d{5}-/.test(t))).toEqual([]);
    expect(late.size).toBeLessThan(60);
    expect(late).toContain("GET /v3/stores/{param}/products/{param}");
    expect(late).toContain("POST /graphql#GetOrder");
  });
});
