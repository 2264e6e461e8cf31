/**
 * Which address is the client, given the address that connected (the peer) and the
 * X-Forwarded-For list the request carried. Any client can write X-Forwarded-For, so only hops
 * appended by proxies we trust are believed: the client is the right-most address that is not a
 * trusted proxy, walking from the peer leftwards, exactly as nginx's `real_ip_recursive on` with
 * `set_real_ip_from` does. With no trusted proxy (the default) the peer is the client, whatever
 * the header says; an attacker can no longer name an allowlisted network or another client.
 *
 * The log pipeline (decoder) and the status API's gateway check both use this one resolver, so
 * an address decision, the allowlist and the check all see the same client.
 */
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { canonicalAddress } from "./ip-address.js";

/** A CIDR (`10.0.0.0/8`, `fd00::/8`) or a single address. */
const proxyEntrySchema = z
  .string()
  .refine((value) => parseNetwork(value) !== undefined, "expected a CIDR such as 10.0.0.0/8, or an address");

/** `input.trustedProxies`: the proxies (load balancers, CDNs) whose X-Forwarded-For hops are believed. */
export const trustedProxiesSchema = z.array(proxyEntrySchema).default([]);

interface Network {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/** `value` as a network: a CIDR, or an address (a /32 or /128); undefined when it is neither. */
export function parseNetwork(value: string): Network | undefined {
  const slash = value.indexOf("/");
  const address = slash < 0 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const bits = slash < 0 ? String(max) : value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { address, prefix: Number(bits), family: version === 4 ? "ipv4" : "ipv6" };
}

/** Whether `address` (any spelling) lies in `networks`; false for anything that is not an address. */
export function inNetworks(networks: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && networks.check(address, version === 4 ? "ipv4" : "ipv6");
}

/** One X-Forwarded-For hop as an address: no spaces, port or IPv6 brackets; "" when it is not one. */
function hopAddress(hop: string): string {
  let text = hop.trim();
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf("]");
    text = close > 0 ? text.slice(1, close) : text.slice(1);
  } else {
    const colon = text.indexOf(":");
    if (colon > 0 && colon === text.lastIndexOf(":")) text = text.slice(0, colon); // v4:port
  }
  return isIP(text) === 0 ? "" : canonicalAddress(text);
}

export class ClientAddressResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const network = parseNetwork(entry);
      if (network) this.#trusted.addSubnet(network.address, network.prefix, network.family);
    }
    this.#any = trustedProxies.length > 0;
  }

  /**
   * The client: the peer unless it is a trusted proxy, else the right-most untrusted hop of
   * `forwardedFor`. A garbled hop ends the walk (nothing left of it can be believed): the client
   * is then the last address reached. `peer` may be "" (formats that log no peer): the walk then
   * starts at the right-most hop. "" when there is no address at all.
   */
  resolve(forwardedFor: string, peer: string): string {
    let client = peer === "" ? "" : canonicalAddress(peer);
    if (client !== "" && (!this.#any || !inNetworks(this.#trusted, client))) return client;
    if (forwardedFor === "") return client;
    let end = forwardedFor.length;
    while (end > 0) {
      const comma = forwardedFor.lastIndexOf(",", end - 1);
      const hop = hopAddress(forwardedFor.slice(comma + 1, end));
      if (hop === "") return client;
      client = hop;
      if (!this.#any || !inNetworks(this.#trusted, hop)) return client;
      end = comma < 0 ? 0 : comma;
    }
    return client; // every hop was a trusted proxy: the left-most is as far as we can see
  }
}
