/** The pure payload builders, checked against what each real API expects. */
import { describe, expect, it } from "vitest";
import { gatewayPayload } from "../../alerts/gateway.js";
import { buildResolve, buildTrigger, PAGERDUTY_SEVERITY } from "../../alerts/pagerduty.js";
import { buildRevocationRequest } from "../../alerts/revoke-rfc7009.js";
import { revokePayload } from "../../alerts/revoke-webhook.js";
import { signature, signedHeaders, verifySignature } from "../../alerts/signing.js";
import type { AlertEvent } from "../../alerts/sink.js";
import { buildSlackMessage, buildSlackRecoveryMessage } from "../../alerts/slack.js";
import { mrkdwnCode, slackPlainText } from "../../alerts/slack-text.js";
import { webhookPayload } from "../../alerts/webhook.js";
import { decide, decisionOptionsSchema, tiersSchema } from "../../src/actions/policy.js";
import { Secret } from "../../src/actions/secret.js";
import { makeAlert, T0 } from "../actions/helpers.js";

function alertEvent(overrides: Parameters<typeof makeAlert>[0] = {}, shadow = false): AlertEvent {
  const alert = makeAlert(overrides);
  const outcome = decide(
    { strikes: 0 },
    alert,
    tiersSchema.parse({}),
    decisionOptionsSchema.parse({}),
    shadow,
  );
  return { kind: "alert", alert, decision: outcome.decision, change: outcome.change, allowlisted: false };
}

describe("Slack message", () => {
  it("carries agent, tier, risk, reasons with observed vs baseline, and the decision, with a text fallback", () => {
    const msg = buildSlackMessage([alertEvent({ severity: "high", riskScore: 0.876 })]);
    const json = JSON.stringify(msg.blocks);
    expect(msg.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    expect(json).toContain("agent-7");
    expect(json).toContain("0.88");
    expect(json).toContain("412 requests/min vs baseline 35 ± 6");
    expect(json).toContain("block for 1h");
    expect(msg.text).toContain("high risk 0.88 for agent `agent-7`");
    expect(msg.text).toContain("Decision: block for 1h");
  });

  it("groups a burst for one agent into one message and reports the worst alert", () => {
    const events = [
      alertEvent({ severity: "medium", riskScore: 0.6 }),
      alertEvent({ severity: "critical", riskScore: 0.97 }),
      alertEvent({ severity: "high", riskScore: 0.9 }),
    ];
    const msg = buildSlackMessage(events);
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toMatch(
      /^CRITICAL risk 0\.97: agent agent-7 \(3 alerts\)/,
    );
    expect(msg.text).toContain("(3 alerts)");
  });

  it("escapes attacker-controlled text so it cannot ping a channel or forge links", () => {
    const msg = buildSlackMessage([alertEvent({ agentId: "<!channel> & <https://evil|click>" })]);
    const all = JSON.stringify(msg);
    expect(all).not.toContain("<!channel>");
    expect(all).toContain("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;");
    expect(slackPlainText("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
  });

  it("shows attacker text only as plain_text or escaped code: no live formatting, no fake sections", () => {
    const hostile =
      "bot`*FAKE: all clear, risk 0.00*`\n:white_check_mark: *RESOLVED - false positive* @here \u202Eevil";
    const msg = buildSlackMessage([
      alertEvent({
        agentId: hostile,
        requestId: "req\n*RESOLVED*",
        reasons: [{ detector: "enumeration", score: 0.9, detail: `path ${hostile}` }],
      }),
    ]);
    type TextObject = { type: string; text: string; verbatim?: boolean };
    const objects: TextObject[] = [];
    for (const block of msg.blocks as Array<{
      text?: TextObject;
      fields?: TextObject[];
      elements?: TextObject[];
    }>)
      objects.push(
        ...[block.text, ...(block.fields ?? []), ...(block.elements ?? [])].filter((o) => o !== undefined),
      );
    for (const o of objects) {
      // No raw newline from attacker text, no bidi override, no backtick-closed span with bold inside.
      expect(o.text).not.toContain("\u202E");
      expect(o.text).not.toContain("\n:white_check_mark:");
      if (o.type === "mrkdwn") {
        // Outside code spans (where Slack formats nothing) no attacker text is left.
        expect(o.text.replace(/`[^`]*`/g, "")).not.toContain("FAKE");
        if (o.text.includes("bot")) expect(o.verbatim).toBe(true);
      }
    }
    const agentField = objects.find((o) => o.text.startsWith("*Agent*"));
    expect(agentField?.text).toBe(`*Agent*\n${mrkdwnCode(hostile)} (agent)`);
    // One code span: the attacker's backticks are look-alikes, the newline and U+202E are shown escaped.
    expect(mrkdwnCode(hostile).match(/`/g)).toHaveLength(2);
    expect(mrkdwnCode(hostile)).toContain("\\n:white_check_mark:");
    expect(mrkdwnCode(hostile)).toContain("\\u202e");
    expect(msg.text.match(/`/g)?.length).toBe(4); // agent and top reason, each one span
    const recovery = buildSlackRecoveryMessage({
      kind: "recovered",
      recovery: {
        agentId: hostile,
        identitySource: "agent",
        previousSeverity: "high",
        riskScore: 0.1,
        timestamp: "2026-01-01T00:00:00.000Z",
      },
      decision: {
        incidentKey: `agentwatch/${hostile}/1`,
        type: "block",
        expiresAt: Date.UTC(2026, 0, 2),
        shadow: false,
      },
      lifted: false,
    } as never);
    expect(recovery.text.replace(/`[^`]*`/g, "")).not.toContain("FAKE");
    expect(JSON.stringify(recovery)).not.toContain("\u202E");
  });

  it("stays within Block Kit limits for huge inputs", () => {
    const long = "x".repeat(10_000);
    const msg = buildSlackMessage([
      alertEvent({
        agentId: long,
        reasons: Array.from({ length: 20 }, () => ({ detector: "d", score: 1, detail: long })),
      }),
    ]);
    const header = msg.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    for (const block of msg.blocks as Array<{ text?: { text: string }; fields?: { text: string }[] }>) {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });
});

describe("PagerDuty events", () => {
  const opts = { source: "agentwatch-prod" };
  it("builds a trigger with a stable per-incident dedup_key, mapped severity and reasons in custom_details", () => {
    const event = alertEvent({ severity: "critical", at: T0 });
    const trigger = buildTrigger(event, "k".repeat(32), opts);
    expect(trigger).toMatchObject({
      routing_key: "k".repeat(32),
      event_action: "trigger",
      dedup_key: event.decision?.incidentKey,
      payload: { severity: "critical", source: "agentwatch-prod", component: "agent-7", class: "volume" },
    });
    expect(trigger.payload?.custom_details.reasons).toHaveLength(2);
    expect(trigger.payload?.summary.length).toBeLessThanOrEqual(1024);
    expect(trigger.dedup_key.length).toBeLessThanOrEqual(255);
  });

  it("maps tiers to critical|error|warning|info", () => {
    expect(PAGERDUTY_SEVERITY).toEqual({
      critical: "critical",
      high: "error",
      medium: "warning",
      low: "info",
    });
  });

  it("resolves with the same dedup_key and no payload", () => {
    const event = alertEvent({ severity: "critical" });
    const decision = event.decision;
    if (!decision) throw new Error("expected decision");
    const resolve = buildResolve(
      { kind: "ended", decision, reason: "expired", at: decision.expiresAt, superseded: false },
      "k".repeat(32),
    );
    expect(resolve).toEqual({
      routing_key: "k".repeat(32),
      event_action: "resolve",
      dedup_key: decision.incidentKey,
    });
  });

  it("keeps dedup_key within 255 characters for very long agent ids", () => {
    const event = alertEvent({ agentId: "a".repeat(256) });
    expect(buildTrigger(event, "k".repeat(32), opts).dedup_key.length).toBeLessThanOrEqual(255);
  });
});

describe("RFC 7009 revocation request", () => {
  it("is form-encoded with token and token_type_hint, client auth by HTTP Basic of form-encoded credentials", () => {
    const { headers, body } = buildRevocationRequest("tok en+/=", "access_token", {
      id: "my client",
      secret: "p:ss&w",
      auth: "basic",
    });
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(body).toBe("token=tok+en%2B%2F%3D&token_type_hint=access_token");
    const decoded = Buffer.from((headers.authorization ?? "").replace("Basic ", ""), "base64").toString();
    expect(decoded).toBe("my+client:p%3Ass%26w"); // RFC 6749 §2.3.1: encode, then join with ':'
  });

  it("can send the client credentials in the body instead", () => {
    const { headers, body } = buildRevocationRequest("t", "refresh_token", {
      id: "c",
      secret: "s",
      auth: "body",
    });
    expect(headers.authorization).toBeUndefined();
    expect(new URLSearchParams(body).get("client_secret")).toBe("s");
  });
});

describe("Standard Webhooks signing", () => {
  const secret = new Secret(`whsec_${Buffer.from("a-24-byte-or-longer-key!!").toString("base64")}`);
  it("signs id.timestamp.body with HMAC-SHA256 and verifies in constant time", () => {
    const body = JSON.stringify({ hello: "world" });
    const headers = signedHeaders(secret, "msg_1", 1_700_000_000_000, body);
    expect(headers["webhook-timestamp"]).toBe("1700000000");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const parts = {
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
    };
    expect(verifySignature(secret, parts, body, 1_700_000_010_000)).toBe(true);
    expect(verifySignature(secret, parts, `${body} `, 1_700_000_010_000)).toBe(false);
    expect(verifySignature(secret, { ...parts, id: "msg_2" }, body, 1_700_000_010_000)).toBe(false);
    expect(verifySignature(secret, parts, body, 1_700_000_000_000 + 301_000)).toBe(false); // replay window
  });

  it("matches the specification's reference vector", () => {
    // From the Standard Webhooks spec / svix libraries.
    const ref = signature(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(ref).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });
});

describe("signed JSON payloads", () => {
  it("gateway: upsert carries agent, action, rate and TTL; shadow-free revoke is a block", () => {
    const event = alertEvent({ severity: "critical", at: T0 });
    expect(gatewayPayload(event)).toMatchObject({
      type: "decision.upsert",
      decision: { agent_id: "agent-7", action: "block", rate_per_minute: null, ttl_seconds: 86_400 },
    });
    const throttle = alertEvent({ severity: "medium" });
    expect(gatewayPayload(throttle)).toMatchObject({
      decision: { action: "throttle", rate_per_minute: 60, ttl_seconds: 900 },
    });
  });

  it("revoke webhook names agent and token hash, never a raw token", () => {
    const payload = revokePayload(alertEvent({ severity: "critical", tokenHash: "th_abc" }));
    expect(payload).toMatchObject({
      type: "agentwatch.revoke",
      agent_id: "agent-7",
      token_hash: "th_abc",
      scope: "token",
    });
    expect(revokePayload(alertEvent({ severity: "critical", tokenHash: undefined }))).toMatchObject({
      scope: "agent",
    });
  });

  it("webhook carries alert, change and decision", () => {
    const payload = webhookPayload(alertEvent({ severity: "high" }));
    expect(payload).toMatchObject({
      type: "agentwatch.alert",
      change: "created",
      decision: { type: "block" },
    });
  });
});
