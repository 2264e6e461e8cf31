/**
 * Builds a real action layer against the fakes, with delivery timings shrunk so scenarios run in
 * well under a second of wall time each (except where a test waits for a real Retry-After).
 */
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { type Actions, actionsOptionsSchema, createActions } from "../../src/actions/index.js";
import type { ActionsOptionsInput } from "../../src/actions/options.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  type fakeRevocationServer,
  LOOKUP_BEARER,
} from "../fakes/oauth-revocation.js";
import { type fakePagerDuty, PD_ROUTING_KEY } from "../fakes/pagerduty.js";
import { type fakeSignedHook, HOOK_SECRET } from "../fakes/signed-hook.js";
import type { fakeSlack } from "../fakes/slack.js";

export interface Fakes {
  slack?: ReturnType<typeof fakeSlack>;
  pd?: ReturnType<typeof fakePagerDuty>;
  gateway?: ReturnType<typeof fakeSignedHook>;
  oauth?: ReturnType<typeof fakeRevocationServer>;
  webhook?: ReturnType<typeof fakeSignedHook>;
}

export function sinksFor(fakes: Fakes): NonNullable<ActionsOptionsInput["sinks"]> {
  const sinks: NonNullable<ActionsOptionsInput["sinks"]> = [{ type: "log", name: "audit" }];
  if (fakes.slack)
    sinks.push({ type: "slack", name: "chat", url: fakes.slack.webhookUrl, groupWindow: 30, minInterval: 0 });
  if (fakes.pd)
    sinks.push({ type: "pagerduty", name: "oncall", routingKey: PD_ROUTING_KEY, url: fakes.pd.enqueueUrl });
  if (fakes.gateway)
    sinks.push({ type: "gateway", name: "edge", url: `${fakes.gateway.url}/hook`, secret: HOOK_SECRET });
  if (fakes.oauth) {
    sinks.push({
      type: "revoke-rfc7009",
      name: "idp",
      url: `${fakes.oauth.url}/revoke`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      lookup: { url: `${fakes.oauth.url}/lookup`, bearer: LOOKUP_BEARER },
    });
  }
  if (fakes.webhook)
    sinks.push({ type: "webhook", name: "siem", url: `${fakes.webhook.url}/in`, secret: HOOK_SECRET });
  return sinks;
}

export function testOptions(dataDir: string, fakes: Fakes, overrides: Partial<ActionsOptionsInput> = {}) {
  return actionsOptionsSchema.parse({
    sinks: sinksFor(fakes),
    decisions: { sweepInterval: 20 },
    ...overrides,
    delivery: {
      dataDir,
      timeout: 1_000,
      backoffBase: 5,
      backoffMax: 40,
      drainTimeout: 500,
      breaker: { minimumCalls: 3, openFor: 100 },
      ...overrides.delivery,
    },
  });
}

/** A logger whose output the test can search (to prove secrets never appear). */
export function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

export async function startActions(
  dataDir: string,
  fakes: Fakes,
  overrides: Partial<ActionsOptionsInput> = {},
  deps: { redis?: Redis; logger?: pino.Logger } = {},
): Promise<Actions> {
  const actions = createActions(testOptions(dataDir, fakes, overrides), {
    logger: deps.logger ?? pino({ level: "silent" }),
    ...(deps.redis ? { redis: deps.redis } : {}),
  });
  await actions.start();
  return actions;
}
