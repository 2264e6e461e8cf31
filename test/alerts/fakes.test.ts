/** The fakes must refuse what the real services refuse, or the sink tests prove nothing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../../alerts/signing.js";
import { Secret } from "../../src/actions/secret.js";
import { CLIENT_ID, CLIENT_SECRET, fakeRevocationServer, LOOKUP_BEARER } from "../fakes/oauth-revocation.js";
import { fakePagerDuty, PD_ROUTING_KEY } from "../fakes/pagerduty.js";
import { fakeSignedHook, HOOK_SECRET } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";

const post = (
  url: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) =>
  fetch(url, { method: "POST", headers, body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
    headers: r.headers,
  }));

describe("fake Slack incoming webhook", () => {
  const slack = fakeSlack({ minIntervalMs: 60_000, retryAfterSeconds: 7 });
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());

  it("answers 400 invalid_payload / no_text / invalid_blocks and 404 no_service like Slack", async () => {
    expect(await post(slack.webhookUrl, "{not json")).toMatchObject({ status: 400, text: "invalid_payload" });
    expect(await post(slack.webhookUrl, "{}")).toMatchObject({ status: 400, text: "no_text" });
    expect(await post(slack.webhookUrl, JSON.stringify({ blocks: [{ nope: 1 }] }))).toMatchObject({
      status: 400,
      text: "invalid_blocks",
    });
    expect(await post(`${slack.url}/services/T/B/wrong`, JSON.stringify({ text: "x" }))).toMatchObject({
      status: 404,
      text: "no_service",
    });
  });

  it("accepts a message with 200 ok, then rate-limits with 429 and Retry-After", async () => {
    expect(await post(slack.webhookUrl, JSON.stringify({ text: "hi" }))).toMatchObject({
      status: 200,
      text: "ok",
    });
    const limited = await post(slack.webhookUrl, JSON.stringify({ text: "again" }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(slack.messages).toHaveLength(1);
  });
});

describe("fake PagerDuty Events API v2", () => {
  const pd = fakePagerDuty();
  beforeAll(() => pd.start());
  afterAll(() => pd.stop());

  it("rejects a bad routing key and a trigger without payload with 400 invalid event", async () => {
    const bad = await post(pd.enqueueUrl, JSON.stringify({ routing_key: "short", event_action: "trigger" }));
    expect(bad.status).toBe(400);
    const body = JSON.parse(bad.text);
    expect(body).toMatchObject({ status: "invalid event", message: "Event object is invalid" });
    expect(body.errors).toContain("Length of 'routing_key' is incorrect (should be 32 characters)");
    expect(body.errors.join()).toContain("payload.summary");
  });

  it("accepts a trigger with 202 and echoes the dedup_key; resolve closes it", async () => {
    const trigger = {
      routing_key: PD_ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "k1",
      payload: { summary: "s", source: "x", severity: "error" },
    };
    const ok = await post(pd.enqueueUrl, JSON.stringify(trigger));
    expect(ok.status).toBe(202);
    expect(JSON.parse(ok.text)).toEqual({ status: "success", message: "Event processed", dedup_key: "k1" });
    await post(
      pd.enqueueUrl,
      JSON.stringify({ routing_key: PD_ROUTING_KEY, event_action: "resolve", dedup_key: "k1" }),
    );
    expect(pd.incidents.get("k1")).toMatchObject({ status: "resolved", triggers: 1, resolves: 1 });
  });
});

describe("fake RFC 7009 revocation endpoint", () => {
  const as = fakeRevocationServer({ th_1: "raw-token-1" });
  beforeAll(() => as.start());
  afterAll(() => as.stop());
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${new URLSearchParams({ v: id }).toString().slice(2)}:${new URLSearchParams({ v: secret }).toString().slice(2)}`).toString("base64")}`;
  const form = { "content-type": "application/x-www-form-urlencoded" };

  it("answers 401 invalid_client without valid client authentication", async () => {
    const r = await post(`${as.url}/revoke`, "token=abc", {
      ...form,
      authorization: basic(CLIENT_ID, "wrong"),
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text)).toEqual({ error: "invalid_client" });
    expect(r.headers.get("www-authenticate")).toContain("Basic");
  });

  it("requires form encoding and a token; 200 for unknown tokens too", async () => {
    const auth = { authorization: basic(CLIENT_ID, CLIENT_SECRET) };
    expect(
      (await post(`${as.url}/revoke`, '{"token":"a"}', { "content-type": "application/json", ...auth }))
        .status,
    ).toBe(400);
    expect(
      JSON.parse((await post(`${as.url}/revoke`, "token_type_hint=access_token", { ...form, ...auth })).text),
    ).toMatchObject({
      error: "invalid_request",
    });
    expect((await post(`${as.url}/revoke`, "token=never-issued", { ...form, ...auth })).status).toBe(200);
  });

  it("serves the token lookup only with its bearer credential", async () => {
    expect((await fetch(`${as.url}/lookup?token_hash=th_1`)).status).toBe(401);
    const r = await fetch(`${as.url}/lookup?token_hash=th_1`, {
      headers: { authorization: `Bearer ${LOOKUP_BEARER}` },
    });
    expect(await r.json()).toMatchObject({ token: "raw-token-1" });
    expect(
      (
        await fetch(`${as.url}/lookup?token_hash=nope`, {
          headers: { authorization: `Bearer ${LOOKUP_BEARER}` },
        })
      ).status,
    ).toBe(404);
  });
});

describe("fake signed hook", () => {
  const hook = fakeSignedHook();
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());

  it("accepts a correct Standard Webhooks signature and refuses a wrong, stale or missing one", async () => {
    const body = JSON.stringify({ type: "x" });
    const good = signedHeaders(new Secret(HOOK_SECRET), "msg_a", Date.now(), body);
    expect((await post(hook.url, body, good)).status).toBe(200);
    const otherSecret = `whsec_${Buffer.from("another-secret-of-enough-bytes!").toString("base64")}`;
    expect(
      (await post(hook.url, body, signedHeaders(new Secret(otherSecret), "msg_b", Date.now(), body))).status,
    ).toBe(401);
    expect(
      (
        await post(
          hook.url,
          body,
          signedHeaders(new Secret(HOOK_SECRET), "msg_c", Date.now() - 600_000, body),
        )
      ).status,
    ).toBe(401);
    expect((await post(hook.url, `${body} `, good)).status).toBe(401);
    expect((await post(hook.url, body)).status).toBe(401);
    expect(hook.received).toHaveLength(1);
  });
});
