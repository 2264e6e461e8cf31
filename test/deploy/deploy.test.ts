/**
 * The deployment files are used, not only written: the Prometheus rules pass `promtool check
 * rules` and the scrape example `promtool check config`; every metric the rules and the Grafana
 * dashboard query is one /metrics exports; the systemd unit passes `systemd-analyze verify` with
 * its hardening in place; the Kubernetes manifests hang together (probes on /readyz and
 * /healthz, Service onto the container port, ConfigMap mounted) and the config they mount is
 * accepted by the same loader `agentwatch config` uses, with every env:NAME it references set
 * on the container from a Secret.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { requiredInCi } from "../helpers/requirement.js";

const has = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
const RULES = "deploy/prometheus/agentwatch.rules.yml";
const DASHBOARD = "deploy/grafana/agentwatch-dashboard.json";
const UNIT = "deploy/systemd/agentwatch.service";
const MANIFESTS = "deploy/kubernetes/agentwatch.yaml";

/** The metric names /metrics exports once every source reports (histograms with their series). */
async function exportedMetrics(): Promise<Set<string>> {
  const metrics = createMetrics();
  metrics.bindSources({
    engine: () => ({ agents: 1, findingsByDetector: { injection: 1 }, alertsBySeverity: { high: 1 } }),
    actions: () => ({
      deliveries: { slack: { delivered: 1 } },
      decisionsActive: 1,
      circuitOpen: { slack: false },
      queued: 0,
      deadLettered: 0,
    }),
    ingest: () => ({ ingested: 1, rejectedByReason: { MALFORMED_LINE: 1 } }),
    consumerLag: () => [{ topic: "logs", partition: 0, lag: 3 }],
  });
  metrics.processingLatency.observe({ stage: "detect" }, 0.001);
  metrics.httpRequests.inc({ method: "GET", route: "/v1/agents", status: "200" });
  metrics.httpDuration.observe({ method: "GET", route: "/v1/agents" }, 0.001);
  metrics.apiErrors.inc({ code: "UNAUTHORIZED" });
  const text = await metrics.render();
  return new Set([...text.matchAll(/^(agentwatch_[a-z_]+)[{ ]/gm)].map((m) => m[1] as string));
}

/** The agentwatch metric names a PromQL expression mentions. */
const namesIn = (expr: string) => [...expr.matchAll(/\bagentwatch_[a-z_]+/g)].map((m) => m[0]);

describe("Prometheus and Grafana", () => {
  it.runIf(requiredInCi(has("promtool"), "promtool (Debian package prometheus)"))(
    "the rules pass promtool check rules, the scrape example promtool check config",
    () => {
      expect(execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" })).toMatch(
        /SUCCESS: \d+ rules found/,
      );
      // The example reads the metrics key from a file; promtool wants that file to exist.
      const dir = mkdtempSync(join(tmpdir(), "aw-prom-"));
      writeFileSync(join(dir, "agentwatch-metrics.key"), "aw_example\n");
      writeFileSync(join(dir, "agentwatch.rules.yml"), readFileSync(RULES));
      writeFileSync(
        join(dir, "prometheus.yml"),
        readFileSync("deploy/prometheus/prometheus.yml", "utf8").replace(
          "/etc/prometheus/agentwatch-metrics.key",
          join(dir, "agentwatch-metrics.key"),
        ),
      );
      expect(
        execFileSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" }),
      ).toMatch(/SUCCESS/);
    },
  );

  it("every metric the alert rules and the dashboard query is one /metrics exports", async () => {
    const exported = await exportedMetrics();
    const rules = parseAllDocuments(readFileSync(RULES, "utf8"))[0]?.toJS() as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const panelExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(panelExprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of [...ruleExprs, ...panelExprs]) {
      const names = namesIn(expr);
      for (const name of names) expect(exported, `${name} in ${expr}`).toContain(name);
    }
    // The alert list: lag, delivery failures and dead letters, rejects, breaker, decisions.
    const ruled = new Set(ruleExprs.flatMap(namesIn));
    for (const name of [
      "agentwatch_consumer_lag",
      "agentwatch_deliveries_total",
      "agentwatch_dead_letters_total",
      "agentwatch_events_rejected_total",
      "agentwatch_sink_circuit_open",
      "agentwatch_decisions_active",
    ])
      expect(ruled).toContain(name);
  });
});

describe("systemd unit", () => {
  const unit = readFileSync(UNIT, "utf8");

  it("is hardened", () => {
    for (const line of [
      "DynamicUser=yes",
      "ProtectSystem=strict",
      "StateDirectory=agentwatch",
      "NoNewPrivileges=yes",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
    ])
      expect(unit.split("\n")).toContain(line);
  });

  it.runIf(requiredInCi(has("systemd-analyze"), "systemd-analyze"))(
    "passes systemd-analyze verify without a warning",
    () => {
      // verify exits 0 on directives it ignores: its warnings on stderr are the failures.
      const result = spawnSync("systemd-analyze", ["verify", UNIT], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      // And it does catch a bad directive.
      const dir = mkdtempSync(join(tmpdir(), "aw-unit-"));
      writeFileSync(
        join(dir, "agentwatch.service"),
        unit.replace("ProtectSystem=strict", "ProtectSystem=bogus"),
      );
      expect(
        spawnSync("systemd-analyze", ["verify", join(dir, "agentwatch.service")], { encoding: "utf8" })
          .stderr,
      ).toMatch(/protect system/i);
    },
  );
});

describe("Kubernetes manifests (Kafka mode)", () => {
  const docs = parseAllDocuments(readFileSync(MANIFESTS, "utf8")).map((d) => d.toJS());
  const byKind = (kind: string) => docs.find((d) => d.kind === kind);
  const configMap = byKind("ConfigMap");
  const deployment = byKind("Deployment");
  const service = byKind("Service");
  const container = deployment?.spec.template.spec.containers[0];

  it("has a ConfigMap, a Deployment and a Service that fit together", () => {
    expect([configMap, deployment, service].every(Boolean)).toBe(true);
    const port = container.ports.find((p: { name: string }) => p.name === "api");
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "api" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "api" });
    expect(service.spec.ports[0].targetPort).toBe("api");
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    const volume = deployment.spec.template.spec.volumes.find(
      (v: { configMap?: { name: string } }) => v.configMap,
    );
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    expect(container.args).toEqual(["run", "--config", `${mount.mountPath}/config.yaml`]);
    // The config listens where the probes and the Service look.
    const config = parseAllDocuments(configMap.data["config.yaml"])[0]?.toJS();
    expect(config.api.port).toBe(port.containerPort);
    expect(config.api.host).toBe("0.0.0.0");
    expect(config.kafka.brokers.length).toBeGreaterThan(0);
  });

  it("mounts a config `agentwatch config` accepts, with every env:NAME set on the container from a Secret", () => {
    const text = configMap.data["config.yaml"] as string;
    const env = container.env as Array<{
      name: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }>;
    const referenced = [...text.matchAll(/env:([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string);
    expect(referenced.length).toBeGreaterThan(0);
    for (const name of referenced) {
      expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name, name).toBe("agentwatch");
    }
    const dir = mkdtempSync(join(tmpdir(), "aw-k8s-"));
    writeFileSync(join(dir, "config.yaml"), text);
    // What the Secret would hold; AGENTWATCH_API__KEYS as the container gets it.
    const secrets: NodeJS.ProcessEnv = {
      REDIS_URL: "redis://redis:6379",
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXX",
      AGENTWATCH_API__KEYS: `[{name: prometheus, sha256: ${"a".repeat(64)}, scopes: [metrics]}]`,
    };
    const saved = { ...process.env };
    Object.assign(process.env, secrets);
    try {
      const config = loadConfig(configSchema, join(dir, "config.yaml"), secrets);
      expect(config.kafka?.inputTopic).toBe("gateway-logs");
      expect(config.api.keys.map((k) => k.scopes)).toEqual([["metrics"]]);
    } finally {
      process.env = saved;
    }
  });
});
