/**
 * Allowlist: agents and client addresses that are never enforced against. Entries come from the
 * config (fixed) and from the status API (stored in the decision store, so every instance sees
 * them). An entry containing `/` is a CIDR, anything else an agent id.
 */
import { BlockList, isIP } from "node:net";
import { z } from "zod";

export const cidrSchema = z
  .string()
  .refine((value) => parseCidr(value) !== undefined, "expected a CIDR such as 10.0.0.0/8");

function parseCidr(value: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const [address, bits, extra] = value.split("/");
  if (!address || bits === undefined || extra !== undefined || !/^\d+$/.test(bits)) return undefined;
  const version = isIP(address);
  const prefix = Number(bits);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Validates an entry the API wants to add; returns an error message or undefined. */
export function allowlistEntryError(entry: string): string | undefined {
  if (entry.length === 0 || entry.length > 256) return "entry must be 1-256 characters";
  if (entry.includes("/") && !parseCidr(entry)) return "entry looks like a CIDR but is not a valid one";
  return undefined;
}

export class Allowlist {
  readonly #agents = new Set<string>();
  readonly #blocks = new BlockList();

  constructor(entries: Iterable<string>) {
    for (const entry of entries) {
      const cidr = entry.includes("/") ? parseCidr(entry) : undefined;
      if (cidr) this.#blocks.addSubnet(cidr.address, cidr.prefix, cidr.family);
      else this.#agents.add(entry);
    }
  }

  has(agentId: string, clientIp: string): boolean {
    if (this.#agents.has(agentId)) return true;
    const version = isIP(clientIp);
    return version !== 0 && this.#blocks.check(clientIp, version === 4 ? "ipv4" : "ipv6");
  }
}
