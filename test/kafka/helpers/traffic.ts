/**
 * Synthetic gateway traffic for the Kafka tests: canonical JSON access lines for many agents, a few
 * of them attacked, with malformed records of every kind mixed in, and the expected totals.
 */
export interface Traffic {
  values: (string | Buffer)[];
  /** Valid events per agent. */
  validByAgent: Map<string, number>;
  valid: number;
  malformed: number;
  attackedAgents: string[];
}

const MALFORMED: (() => string | Buffer)[] = [
  () => "{not json",
  () => JSON.stringify({ method: "GET", path: "/x" }),
  () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  () => "",
];

export function syntheticTraffic(total: number, agents: number, malformedEvery = 97, attacked = 4): Traffic {
  const values: (string | Buffer)[] = [];
  const validByAgent = new Map<string, number>();
  const attackedAgents = Array.from({ length: attacked }, (_, i) => `agent-${i * 7}`);
  let malformed = 0;
  const start = Date.UTC(2026, 0, 5);
  for (let i = 0; i < total; i++) {
    if (i % malformedEvery === malformedEvery - 1) {
      values.push((MALFORMED[malformed % MALFORMED.length] as () => string | Buffer)());
      malformed++;
      continue;
    }
    const agentId = `agent-${i % agents}`;
    // Attacked agents turn to /admin in the second half of the stream.
    const admin = attackedAgents.includes(agentId) && i > total / 2;
    values.push(
      JSON.stringify({
        timestamp: start + i * 10,
        agentId,
        method: "GET",
        path: admin ? `/admin/users/${i}` : `/customers/${i % 500}`,
        status: 200,
        requestBytes: 0,
        responseBytes: 512,
        latencyMs: 12,
        clientIp: "10.0.0.1",
        tokenId: "",
        userId: "",
        userAgent: "test",
        requestId: `req-${i}`,
      }),
    );
    validByAgent.set(agentId, (validByAgent.get(agentId) ?? 0) + 1);
  }
  return { values, validByAgent, valid: total - malformed, malformed, attackedAgents };
}
