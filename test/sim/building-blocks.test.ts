// The simulator's building blocks: the PRNG's streams and distributions, the API surfaces, the
// persona workflows as Markov chains, and the hard benign cases each persona can carry.
import { describe, expect, it } from "vitest";
import { fmix32, hash32, Rng } from "../../src/sim/rng.js";
import { SURFACE_NAMES } from "../../src/sim/settings.js";
import {
  buildSurface,
  endpointPath,
  formatObjectId,
  objectExists,
  randomExistingObject,
  randomMissingObject,
} from "../../src/sim/surface.js";
import { buildWorkflow, END, step } from "../../src/sim/workflow.js";

describe("Rng", () => {
  it("is deterministic per seed and label, and streams differ", () => {
    const a = Rng.derive(7, "agent:1");
    const b = Rng.derive(7, "agent:1");
    const c = Rng.derive(7, "agent:2");
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it("draws within bounds with the expected means", () => {
    const r = new Rng(1);
    const n = 20_000;
    let sum = 0;
    let expSum = 0;
    const logs: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      const k = r.int(3, 5);
      expect([3, 4, 5]).toContain(k);
      expSum += r.exponential(10);
      logs.push(r.logNormal(100, 0.5));
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(expSum / n).toBeGreaterThan(9.5);
    expect(expSum / n).toBeLessThan(10.5);
    logs.sort((x, y) => x - y);
    expect(logs[n / 2]).toBeGreaterThan(95);
    expect(logs[n / 2]).toBeLessThan(105);
  });

  it("weights, zipf and shuffle behave", () => {
    const r = new Rng(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 9_000; i++) {
      const k = r.weighted([1, 0, 2]);
      counts[k] = (counts[k] as number) + 1;
    }
    expect(counts[1]).toBe(0);
    expect((counts[2] as number) / (counts[0] as number)).toBeGreaterThan(1.7);
    const z = Array.from({ length: 5_000 }, () => r.zipf(100));
    expect(Math.min(...z)).toBe(0);
    expect(Math.max(...z)).toBeLessThan(100);
    expect(z.filter((x) => x < 10).length).toBeGreaterThan(z.filter((x) => x >= 50).length);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("fmix32 is a bijection on a sample and hash32 depends on the seed", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(50_000);
    expect(hash32("x", 1)).not.toBe(hash32("x", 2));
  });
});

describe.each(SURFACE_NAMES)("surface %s", (name) => {
  const surface = buildSurface(name, new Rng(3));

  it("has several dozen endpoints with ids in paths, search, export and admin", () => {
    expect(surface.endpoints.length).toBeGreaterThanOrEqual(48);
    expect(surface.endpoints.filter((e) => e.template.includes("{id}")).length).toBeGreaterThan(20);
    for (const kind of ["search", "export", "admin-read", "admin-write", "delete"] as const) {
      expect(surface.endpoints.some((e) => e.kind === kind)).toBe(true);
    }
    expect(new Set(surface.endpoints.map((e) => `${e.method} ${e.template}`)).size).toBe(
      surface.endpoints.length,
    );
  });

  it("formats object ids stably and agrees on which objects exist", () => {
    const r = new Rng(4);
    for (const res of surface.resources) {
      const n = randomExistingObject(res, r);
      expect(objectExists(res, n)).toBe(true);
      expect(objectExists(res, randomMissingObject(res, r))).toBe(false);
      expect(formatObjectId(res, n)).toBe(formatObjectId(res, n));
      expect(formatObjectId(res, n)).not.toBe(formatObjectId(res, n + 1));
      if (res.idStyle === "uuid")
        expect(formatObjectId(res, n)).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
    }
    const get = surface.endpoints.find((e) => e.kind === "get");
    expect(get && endpointPath(get, 1234)).not.toContain("{id}");
  });

  it("builds workflows where every reachable endpoint has a way out and sessions end", () => {
    const r = new Rng(5);
    const home = surface.resources.slice(0, 3);
    const wf = buildWorkflow(
      surface,
      { home, subsPerResource: [1, 3], writeWeight: 0.1, searchWeight: 0.5, adminReadWeight: 0.5 },
      r,
    );
    expect(wf.entry.next.length).toBeGreaterThan(0);
    expect(wf.entry.next).not.toContain(END);
    for (const i of wf.endpoints) {
      const t = wf.steps.get(i);
      expect(t, String(i)).toBeDefined();
      expect(t?.next.length).toBe(t?.weights.length);
    }
    // A walk reaches END: no absorbing loop.
    let ended = 0;
    for (let s = 0; s < 200; s++) {
      let idx = step(wf.entry, r);
      for (let k = 0; k < 500 && idx !== END; k++) idx = step(wf.steps.get(idx) ?? wf.entry, r);
      if (idx === END) ended++;
    }
    expect(ended).toBe(200);
  });

  it("drift adds exactly one endpoint to the routine", () => {
    const home = surface.resources.slice(0, 2);
    const shape = {
      home,
      subsPerResource: [1, 2] as [number, number],
      writeWeight: 0.1,
      searchWeight: 0,
      adminReadWeight: 0,
    };
    const base = buildWorkflow(surface, shape, new Rng(6));
    const extra = surface.endpoints.find((e) => e.kind === "get" && !base.endpoints.has(e.index));
    if (!extra) throw new Error("no unused get endpoint");
    const drifted = buildWorkflow(surface, shape, new Rng(6), extra);
    expect([...drifted.endpoints].filter((i) => !base.endpoints.has(i))).toEqual([extra.index]);
  });
});
