/**
 * The sink contract suite: the same checks for every registered sink (a new sink gets them by
 * being added to the registry and given a fake here), plus each sink against its fake.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSink, SINKS, sinkOptionsSchema } from "../../alerts/index.js";
import type { AlertEvent, DeliveryContext, RecoveredEvent, Sink } from "../../alerts/sink.js";
import { DeliveryError, send } from "../../src/actions/http.js";
import { decide, decisionOptionsSchema, recover, tiersSchema } from "../../src/actions/policy.js";
import { makeAlert, quietLogger, T0 } from "../actions/helpers.js";
import { CLIENT_ID, CLIENT_SECRET, fakeRevocationServer, LOOKUP_BEARER } from "../fakes/oauth-revocation.js";
import { fakePagerDuty, PD_ROUTING_KEY } from "../fakes/pagerduty.js";
import { fakeSignedHook, HOOK_SECRET } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";

const slack = fakeSlack();
const pd = fakePagerDuty();
const oauth = fakeRevocationServer({ th_known: "raw-known" });
const hook = fakeSignedHook();

/** Config for each registered sink type, pointing at its fake. */
function configFor(type: string): Record<string, unknown> {
  switch (type) {
    case "log":
      return { type, name: "log" };
    case "slack":
      return { type, name: "slack", url: slack.webhookUrl };
    case "pagerduty":
      return { type, name: "pd", routingKey: PD_ROUTING_KEY, url: pd.enqueueUrl };
    case "revoke-rfc7009":
      return {
        type,
        name: "idp",
        url: `${oauth.url}/revoke`,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        lookup: { url: `${oauth.url}/lookup`, bearer: LOOKUP_BEARER },
      };
    default:
      return { type, name: type, url: `${hook.url}/${type}`, secret: HOOK_SECRET };
  }
}

const ctx = (id = "msg_contract"): DeliveryContext => ({
  id,
  now: Date.now(),
  send: (request) => send(request, 2_000),
  logger: quietLogger,
});

function event(overrides: Parameters<typeof makeAlert>[0] = {}): AlertEvent {
  const alert = makeAlert({ severity: "critical", at: T0, ...overrides });
  const o = decide({ strikes: 0 }, alert, tiersSchema.parse({}), decisionOptionsSchema.parse({}), false);
  return { kind: "alert", alert, decision: o.decision, change: o.change, allowlisted: false };
}

/** A critical incident whose risk fell back: its revoke stays, its page is to be resolved. */
function recovered(): RecoveredEvent {
  const alert = makeAlert({ severity: "critical", at: T0 });
  const state = decide({ strikes: 0 }, alert, tiersSchema.parse({}), decisionOptionsSchema.parse({}), false);
  const recovery = {
    agentId: alert.agentId,
    identitySource: alert.identitySource,
    previousSeverity: alert.severity,
    riskScore: 0.05,
    timestamp: new Date(T0 + 60_000).toISOString(),
  };
  const out = recover(state.next, recovery);
  if (!out.decision) throw new Error("expected a recovery");
  return { kind: "recovered", recovery, decision: out.decision, lifted: false };
}

beforeAll(async () => {
  await Promise.all([slack.start(), pd.start(), oauth.start(), hook.start()]);
});
afterAll(async () => {
  await Promise.all([slack.stop(), pd.stop(), oauth.stop(), hook.stop()]);
});

describe.each(SINKS.map((d) => [d.type, d] as const))("sink contract: %s", (type, descriptor) => {
  const build = () => createSink(sinkOptionsSchema.parse(configFor(type)), { logger: quietLogger });

  it("has a strict options schema with a name, a description and a role", () => {
    expect(descriptor.description.length).toBeGreaterThan(10);
    expect(descriptor.options.safeParse({ ...configFor(type), unexpected: 1 }).success).toBe(false);
    expect(descriptor.options.safeParse({ ...configFor(type), name: "bad name!" }).success).toBe(false);
    const sink: Sink = build();
    expect(sink).toMatchObject({ type, role: descriptor.role, filter: { minSeverity: "low" } });
  });

  it("never prints its credentials", () => {
    const printed = JSON.stringify(build()) + JSON.stringify(sinkOptionsSchema.parse(configFor(type)));
    for (const secret of [
      slack.webhookUrl,
      PD_ROUTING_KEY,
      CLIENT_SECRET,
      LOOKUP_BEARER,
      HOOK_SECRET,
      hook.url,
    ]) {
      expect(printed).not.toContain(secret);
    }
  });

  it("answers a test event and an alert against its fake", async () => {
    const sink = build();
    await expect(sink.deliver([{ kind: "test", at: Date.now() }], ctx())).resolves.toMatchObject({
      outcome: "delivered",
    });
    const result = await sink.deliver([event({ tokenHash: "th_known" })], ctx());
    expect(["delivered", "skipped"]).toContain(result.outcome);
  });

  it("handles a recovery: delivers it or skips it, never fails", async () => {
    const before = hook.received.length;
    const result = await build().deliver([recovered()], ctx("msg_recovery"));
    expect(["delivered", "skipped"]).toContain(result.outcome);
    // revocation never acts on a recovery; a kept block is nothing for the gateway to remove
    if (descriptor.role === "revoke" || descriptor.role === "gateway") {
      expect(hook.received.length).toBe(before);
      expect(result.outcome).toBe("skipped");
    }
  });
});

describe("RFC 7009 sink specifics", () => {
  const build = (overrides: Record<string, unknown> = {}) =>
    createSink(sinkOptionsSchema.parse({ ...configFor("revoke-rfc7009"), ...overrides }), {
      logger: quietLogger,
    });

  it("revokes the token the lookup returns", async () => {
    oauth.revoked.length = 0;
    await build().deliver([event({ tokenHash: "th_known" })], ctx());
    expect(oauth.revoked).toEqual([{ token: "raw-known", hint: "access_token" }]);
  });

  it("skips, without calling the revocation endpoint, when the token is unknown or absent", async () => {
    const before = oauth.requests.filter((r) => r.path === "/revoke").length;
    await expect(build().deliver([event({ tokenHash: "th_unknown" })], ctx())).resolves.toMatchObject({
      outcome: "skipped",
    });
    await expect(build().deliver([event({ tokenHash: undefined })], ctx())).resolves.toMatchObject({
      outcome: "skipped",
    });
    expect(oauth.requests.filter((r) => r.path === "/revoke").length).toBe(before);
  });

  it("surfaces 401 invalid_client as a non-retriable rejection", async () => {
    const error = await build({ clientSecret: "wrong" })
      .deliver([event({ tokenHash: "th_known" })], ctx())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ code: "SINK_REJECTED", status: 401, retriable: false });
    expect(String((error as Error).message)).toContain("invalid_client");
  });

  it("surfaces 503 + Retry-After as retriable with the delay", async () => {
    oauth.scriptFor("/revoke", { status: 503, body: "", headers: { "retry-after": "3" } });
    const error = await build()
      .deliver([event({ tokenHash: "th_known" })], ctx())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SINK_UNAVAILABLE", retriable: true, retryAfterMs: 3_000 });
    expect(oauth.requests.slice(-2).map((r) => `${r.path} ${r.status}`)).toEqual([
      "/lookup 200",
      "/revoke 503",
    ]);
  });
});
