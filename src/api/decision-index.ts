/**
 * The gateway check's local view of the decisions, by what they apply to: token hashes (a token
 * decision refuses the credential wherever it is used) and addresses or networks (decisions made
 * on an `ip` identity). Kept up to date from the decision source's change feed, pulled at most
 * every `refreshMs` while checks arrive, the way a CrowdSec bouncer follows its LAPI: a check
 * costs no store round trip beyond the agent's own decision.
 *
 * The index only nominates candidates; the check re-reads each candidate's decision from the
 * source, which alone judges whether it is in force (event clock), so a stale entry never
 * enforces an expired or lifted decision.
 */
import { BlockList } from "node:net";
import type { Decision } from "../actions/records.js";
import { inNetworks, parseNetwork } from "../normalize/client-address.js";
import { canonicalAddress } from "../normalize/ip-address.js";
import type { DecisionSource } from "./deps.js";

export class DecisionIndex {
  readonly #decisions = new Map<string, Decision>();
  readonly #byToken = new Map<string, Set<string>>();
  readonly #byAddress = new Map<string, Set<string>>();
  /** Network decisions: few, so a scan of their lists is fine. */
  readonly #networks = new Map<string, BlockList>();
  #cursor: string | undefined;
  #refreshedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  /** `refreshMs` is measured on the monotonic clock: it paces pulls, it judges no decision. */
  constructor(
    private readonly source: DecisionSource,
    private readonly refreshMs: number,
  ) {}

  /** Pulls the changes since the last pull when it is older than `refreshMs` (one pull at a time). */
  async fresh(): Promise<void> {
    if (performance.now() - this.#refreshedAt < this.refreshMs) return;
    this.#refreshing ??= this.#pull().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
  }

  /** Agents whose decision covers this token hash or (for `ip` identities) this address. */
  candidates(tokenHash: string | undefined, clientIp: string, out: Set<string>): void {
    if (tokenHash !== undefined) for (const id of this.#byToken.get(tokenHash) ?? []) out.add(id);
    if (clientIp === "") return;
    for (const id of this.#byAddress.get(clientIp) ?? []) out.add(id);
    for (const [id, networks] of this.#networks) if (inNetworks(networks, clientIp)) out.add(id);
  }

  async #pull(): Promise<void> {
    const changes = await this.source.changesSince(this.#cursor);
    if (changes.reset) this.#clear();
    for (const agentId of changes.removed) this.#remove(agentId);
    for (const decision of changes.added) {
      this.#remove(decision.agentId);
      this.#add(decision);
    }
    this.#cursor = changes.cursor;
    this.#refreshedAt = performance.now();
  }

  #clear(): void {
    this.#decisions.clear();
    this.#byToken.clear();
    this.#byAddress.clear();
    this.#networks.clear();
  }

  #add(decision: Decision): void {
    this.#decisions.set(decision.agentId, decision);
    for (const hash of decision.tokenHashes ?? []) addTo(this.#byToken, hash, decision.agentId);
    const identity = decision.identity;
    if (identity?.kind !== "ip") return;
    const network = identity.value.includes("/") ? parseNetwork(identity.value) : undefined;
    if (network) {
      const list = new BlockList();
      list.addSubnet(network.address, network.prefix, network.family);
      this.#networks.set(decision.agentId, list);
    } else {
      addTo(this.#byAddress, canonicalAddress(identity.value), decision.agentId);
    }
  }

  #remove(agentId: string): void {
    const decision = this.#decisions.get(agentId);
    if (!decision) return;
    this.#decisions.delete(agentId);
    for (const hash of decision.tokenHashes ?? []) removeFrom(this.#byToken, hash, agentId);
    if (decision.identity?.kind === "ip")
      removeFrom(this.#byAddress, canonicalAddress(decision.identity.value), agentId);
    this.#networks.delete(agentId);
  }
}

function addTo(map: Map<string, Set<string>>, key: string, agentId: string): void {
  let ids = map.get(key);
  if (!ids) {
    ids = new Set();
    map.set(key, ids);
  }
  ids.add(agentId);
}

function removeFrom(map: Map<string, Set<string>>, key: string, agentId: string): void {
  const ids = map.get(key);
  if (!ids) return;
  ids.delete(agentId);
  if (ids.size === 0) map.delete(key);
}
