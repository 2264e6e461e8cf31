// The web console in a real headless Chromium (Debian's, driven by playwright-core; no browser is
// downloaded) against a real `agentwatch run` fed with `agentwatch simulate` traffic: the agents
// table puts the attacked agents on top with their tiers, an agent page draws its risk chart,
// alerts and profile, an admin key lifts a decision (the gateway check then allows), a read key
// sees no admin buttons and is refused by the API, a wrong key gets a clear message, and the page
// asks nothing of any origin but agentwatch's. Screenshots of the three pages go to
// test-artifacts/console/ (gitignored; docs/console-*.png are copies of them).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../scripts/build-ui.js";
import { canonicalLine } from "../helpers/jsonl.js";
import { requiredInCi } from "../helpers/requirement.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(process.cwd(), "test-artifacts/console");
const haveChromium = requiredInCi(existsSync(CHROMIUM), "chromium (apt-get install chromium)");

const KEYS = {
  admin: { name: "ops", key: "aw_console_admin_key_0123456789abcdef0123456", scopes: "read, admin" },
  read: { name: "viewer", key: "aw_console_read_key_0123456789abcdef01234567", scopes: "read" },
  gateway: { name: "edge", key: "aw_console_gateway_key_0123456789abcdef0123", scopes: "gateway" },
};

interface Row {
  agentId: string;
  tier: string;
  risk: number;
}

/** `expect.poll` with room for a loaded CI machine (its default gives up after one second). */
const poll = <T>(probe: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) =>
  expect.poll(probe, { timeout: 10_000, interval: 100, ...options });

/** Resolves with `probe()`'s first defined, truthy answer; fails after `timeoutMs`. */
async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `agentwatch <args>` from source to completion. */
function cli(args: string[]): void {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`agentwatch ${args[0]} failed: ${result.stderr}`);
}

describe.runIf(haveChromium)("web console in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-console-"));
  let run: ChildProcess | undefined;
  let receiver: Server | undefined;
  let context: BrowserContext | undefined;
  let origin = "";
  let attacked: string[] = [];
  let traffic = "";
  const requests: string[] = [];
  const output = { text: "" };

  const apiGet = async (path: string, key: string) =>
    fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const json = async <T>(path: string, key = KEYS.admin.key) => (await (await apiGet(path, key)).json()) as T;
  const gatewayCheck = async (agentId: string) =>
    (await apiGet(`/v1/decisions/check?agent=${encodeURIComponent(agentId)}`, KEYS.gateway.key)).status;

  async function login(page: Page, key: string): Promise<void> {
    await page.goto(`${origin}/ui/`);
    // Keyboard only: the key field has focus; Enter submits.
    await poll(() => page.evaluate<string | undefined>("document.activeElement?.id")).toBe("api-key");
    await page.keyboard.type(key);
    await page.keyboard.press("Enter");
  }

  beforeAll(async () => {
    await buildConsole();
    // Small and fast: 9 agents over 3 simulated hours, a third of them attacked.
    traffic = join(dir, "traffic.jsonl");
    const labels = join(dir, "labels.json");
    const settings = join(dir, "settings.json");
    writeFileSync(
      settings,
      JSON.stringify({
        attackedFraction: 0.34,
        attackKinds: ["destructive-injection", "injection-payload", "enumeration-fast"],
      }),
    );
    cli([
      "simulate",
      ...["--agents", "9", "--hours", "3", "--seed", "3", "--rate-scale", "4"],
      ...["--settings", settings, "--out", traffic, "--labels", labels],
    ]);
    const truth = JSON.parse(readFileSync(labels, "utf8")) as {
      agents: Array<{ agentId: string; kind: string }>;
    };
    attacked = truth.agents.filter((a) => a.kind !== "benign").map((a) => a.agentId);
    const lines = readFileSync(traffic, "utf8").split("\n").filter(Boolean).length;

    // A webhook receiver that refuses every payload (400): its deliveries become dead letters.
    receiver = createServer((request, response) => {
      request.resume();
      request.on("end", () =>
        response.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_payload"}'),
      );
    });
    await new Promise<void>((resolve) => receiver?.listen(0, "127.0.0.1", resolve));
    const receiverPort = (receiver.address() as { port: number }).port;

    const config = join(dir, "config.yaml");
    const keyLines = Object.values(KEYS).flatMap((k) => [
      `    - name: ${k.name}`,
      `      sha256: ${createHash("sha256").update(k.key).digest("hex")}`,
      `      scopes: [${k.scopes}]`,
    ]);
    writeFileSync(
      config,
      [
        "input:",
        "  format: json",
        "api:",
        "  port: 0",
        "  rateLimit: { perSecond: 200, burst: 400 }",
        "  keys:",
        ...keyLines,
        "actions:",
        "  sinks:",
        "    - { type: log, name: log, minSeverity: low }",
        `    - { type: webhook, name: siem, url: "http://127.0.0.1:${receiverPort}/hook", secret: whsec_${randomBytes(24).toString("base64")} }`,
        "  delivery:",
        `    dataDir: ${join(dir, "data")}`,
      ].join("\n"),
    );
    run = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "run", traffic, "--from-beginning", "-c", config],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    run.stdout?.on("data", (d: Buffer) => (output.text += d.toString()));
    run.stderr?.on("data", (d: Buffer) => (output.text += d.toString()));
    origin = await waitUntil(
      `the status API address in\n${output.text}`,
      () => /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output.text)?.[1],
      20_000,
    );
    // Every line applied or rejected, and the alerts delivered to the log sink.
    const counted = async () => {
      const metrics = await (await apiGet("/metrics", KEYS.admin.key)).text();
      const sum = (name: string) =>
        [...metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "gm"))].reduce(
          (total, m) => total + Number(m[1]),
          0,
        );
      return sum("agentwatch_events_ingested_total") + sum("agentwatch_events_rejected_total");
    };
    await waitUntil("every line ingested", async () => (await counted()) === lines, 20_000);
    await waitUntil(
      "deliveries to the log sink and dead letters from the refusing webhook",
      async () => {
        const recent = await json<{ deliveries: unknown[]; deadLetters: unknown[] }>("/v1/deliveries");
        return recent.deliveries.length > 0 && recent.deadLetters.length > 0;
      },
      15_000,
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "aw-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 800 },
    });
    context.on("request", (request) => requests.push(request.url()));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    run?.kill("SIGTERM");
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a wrong key gets a clear message and is not kept", async () => {
    const page = await (context as BrowserContext).newPage();
    await login(page, "aw_not_a_key_anyone_has_000000000000000000000");
    await poll(() => page.getByRole("alert").textContent()).toContain("This API key was not accepted");
    expect(await page.evaluate<number>("sessionStorage.length + localStorage.length")).toBe(0);
    await page.close();
  });

  it("lists the attacked agents at the top with their tiers, live", async () => {
    const page = await (context as BrowserContext).newPage();
    await login(page, KEYS.admin.key);
    const rows = page.locator("[data-testid=agents-table] tbody tr");
    await poll(() => rows.count()).toBeGreaterThan(attacked.length);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({ agentId: tr.getAttribute("data-agent"), tier: tr.getAttribute("data-tier") })),
    );
    const api = (await json<{ items: Row[] }>("/v1/agents")).items;
    expect(new Set(shown.slice(0, attacked.length).map((r) => r.agentId))).toEqual(new Set(attacked));
    expect(shown).toEqual(api.map((a) => ({ agentId: a.agentId, tier: a.tier })));
    expect(api[0]?.tier).not.toBe("none");
    // Each attacked agent's sparkline draws its risk history.
    for (const agentId of attacked) {
      await poll(() => page.locator(`tr[data-agent="${agentId}"] .spark-line`).count()).toBe(1);
    }
    // The key sits in this tab's session storage only: not in the URL, not in local storage.
    expect(await page.evaluate<string[]>("Object.keys(sessionStorage)")).toEqual(["agentwatch.apiKey"]);
    expect(await page.evaluate<number>("localStorage.length")).toBe(0);
    expect(page.url()).not.toContain(KEYS.admin.key);
    await page.screenshot({ path: join(ARTIFACTS, "agents.png") });

    // Filters: by tier, then by text.
    const topTier = shown[0]?.tier as string;
    await page.getByLabel("Tier").selectOption(topTier);
    await poll(() =>
      rows.evaluateAll((trs) => [...new Set(trs.map((tr) => tr.getAttribute("data-tier")))]),
    ).toEqual([topTier]);
    await page.getByLabel("Tier").selectOption("");
    await page.getByRole("searchbox", { name: "Agent" }).fill(attacked[0] as string);
    await poll(() => rows.count()).toBe(1);
    await page.getByRole("searchbox", { name: "Agent" }).fill("");

    // Live: an agent that turns up in the followed log appears without a reload, with its tier.
    const attack = [
      "/api/v1/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--",
      "/api/v1/files?name=..%2F..%2F..%2Fetc%2Fpasswd",
      "/api/v1/search?q=ignore%20all%20previous%20instructions",
    ];
    appendFileSync(
      traffic,
      `${attack
        .map((path, i) =>
          canonicalLine({
            timestamp: new Date(Date.parse("2026-01-05T03:00:00Z") + i * 1000).toISOString(),
            agentId: "late-intruder",
            path,
            requestId: `late-${i}`,
          }),
        )
        .join("\n")}\n`,
    );
    await poll(
      () =>
        page
          .locator('tr[data-agent="late-intruder"]')
          .getAttribute("data-tier", { timeout: 500 })
          .catch(() => null),
      {
        timeout: 15_000,
        interval: 500,
      },
    ).not.toBeNull();
    expect(await page.locator('tr[data-agent="late-intruder"]').getAttribute("data-tier")).not.toBe("none");
    attacked.push("late-intruder");

    // A phone's width: the table still fits (columns hide, nothing overflows the page).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("searchbox", { name: "Agent" }).fill("");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(ARTIFACTS, "agents-phone-dark.png"), fullPage: true });
    await page.close();
  });

  it("draws an agent's risk chart with its alerts and profile; an admin unblocks and allowlists it", async () => {
    const decided = (await json<{ decisions: Array<{ agentId: string }> }>("/v1/decisions")).decisions;
    const target = decided.find((d) => attacked.includes(d.agentId))?.agentId as string;
    expect(target).toBeDefined();
    expect(await gatewayCheck(target)).toBe(403);

    const page = await (context as BrowserContext).newPage();
    await login(page, KEYS.admin.key);
    await page.locator(`tr[data-agent="${target}"] a`).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain(target);
    await poll(() => page.getByTestId("risk-line").count()).toBe(1);
    expect(await page.getByTestId("alert-mark").count()).toBeGreaterThan(0);
    const firstReason = (
      await json<{ items: Array<{ reasons: Array<{ detail: string }> }> }>(
        `/v1/alerts?agent=${encodeURIComponent(target)}&limit=1`,
      )
    ).items[0]?.reasons[0]?.detail as string;
    await poll(() => page.getByTestId("alert-reasons").textContent()).toContain(firstReason);
    const pictures = page.getByTestId("profile-pictures").locator("figure");
    await poll(() => pictures.count()).toBe(4);
    for (let i = 0; i < 3; i++) expect(await pictures.nth(i).locator(".bars li").count()).toBeGreaterThan(0);
    await poll(() => page.getByTestId("decision").textContent()).toContain("expires");
    await page.screenshot({ path: join(ARTIFACTS, "agent.png"), fullPage: true });

    // By keyboard: the button opens a confirmation; Tab reaches its confirm button; Enter lifts.
    await page.getByRole("button", { name: "Unblock" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "visible" });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await poll(() => page.getByRole("status").textContent()).toContain("Decision lifted");
    expect(await gatewayCheck(target)).toBe(204);
    await poll(() => page.getByTestId("decision").textContent()).toContain("No decision in force");

    // Allowlist, by mouse this time: the confirmation, then the entry is on the API's allowlist.
    await page.getByRole("button", { name: "Allowlist" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Allowlist" }).click();
    await poll(() => page.getByRole("status").textContent()).toContain("Allowlisted");
    const allowlist = await json<{ items: Array<{ entry: string }> }>("/v1/allowlist");
    expect(allowlist.items.map((item) => item.entry)).toContain(target);
    await page.close();
  });

  it("shows a read key no admin buttons, and the API refuses it the call", async () => {
    const decided = (await json<{ decisions: Array<{ agentId: string }> }>("/v1/decisions")).decisions;
    const target = decided[0]?.agentId as string;
    expect(target).toBeDefined();
    const page = await (context as BrowserContext).newPage();
    await login(page, KEYS.read.key);
    await page.goto(`${origin}/ui/#/agents/${encodeURIComponent(target)}`);
    await poll(() => page.getByTestId("decision").textContent()).toContain("expires");
    await poll(() => page.getByRole("button", { name: "Unblock" }).count()).toBe(0);
    await poll(() => page.getByRole("button", { name: "Allowlist" }).count()).toBe(0);
    // What the page would have sent, sent from the page with the read key: 403.
    const status = await page.evaluate(
      async ([agentId, key]) => {
        const res = await fetch(`/v1/agents/${encodeURIComponent(agentId)}/unblock`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: "{}",
        });
        return res.status;
      },
      [target, KEYS.read.key] as const,
    );
    expect(status).toBe(403);
    expect(await gatewayCheck(target)).toBe(403);
    await page.close();
  });

  it("shows alerts by severity, decisions, deliveries and dead letters", async () => {
    const page = await (context as BrowserContext).newPage();
    await login(page, KEYS.admin.key);
    await page.getByRole("link", { name: "Alerts & decisions" }).click();
    const timeline = page.getByTestId("alert-timeline");
    await timeline.waitFor({ state: "visible" });
    const alerts = (await json<{ items: unknown[] }>("/v1/alerts?limit=500")).items;
    await poll(() => timeline.locator("circle").count()).toBe(alerts.length);
    const decisions = (
      await json<{ decisions: Array<{ identity: { kind: string; value: string } }> }>("/v1/decisions")
    ).decisions;
    const decisionRows = page.locator("[data-testid=decisions-table] tbody tr");
    await poll(() => decisionRows.count()).toBe(decisions.length);
    // Each says what it applies to: the identity kind and value the decision is scoped to.
    const first = decisions[0]?.identity;
    expect(await decisionRows.first().textContent()).toContain(`${first?.kind} ${first?.value}`);
    expect(await page.locator("[data-testid=deliveries-table] tbody tr").count()).toBeGreaterThan(0);
    const deadLetters = page.locator("[data-testid=dead-letters-table] tbody tr");
    expect(await deadLetters.count()).toBeGreaterThan(0);
    expect(await deadLetters.first().textContent()).toContain("siem (webhook)");
    await page.screenshot({ path: join(ARTIFACTS, "alerts.png"), fullPage: true });
    await page.close();
  });

  it("serves the page with caching and a strict CSP, and asks nothing of any other origin", async () => {
    const index = await fetch(`${origin}/ui/`);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'none'");
    const script = /src="assets\/([^"]+\.js)"/.exec(await index.text())?.[1] as string;
    const asset = await fetch(`${origin}/ui/assets/${script}`);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);

    expect(requests.length).toBeGreaterThan(10);
    const foreign = requests.filter((url) => new URL(url).origin !== origin);
    expect(foreign).toEqual([]);
    // Nor did the key ever travel in a URL.
    expect(requests.filter((url) => url.includes("aw_console_"))).toEqual([]);
  });
});
