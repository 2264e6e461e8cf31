/**
 * Who is calling, as the gateway check sees it: the request the gateway forwards (its headers,
 * Authorization, X-Forwarded-For, method and URI) is read into the same raw event a log line
 * becomes, and resolved with the same `IdentityResolver` and `ClientAddressResolver` the log
 * pipeline uses with the same `input` options. So the agent a log line names is the agent the
 * check finds, and a decision made on it applies to its next request.
 *
 * What gateways forward: nginx `auth_request` and HAProxy send the original headers plus
 * X-Forwarded-For / X-Forwarded-Method / X-Forwarded-Uri (or X-Original-*); Caddy `forward_auth`
 * and Traefik ForwardAuth send X-Forwarded-Method/-Uri/-Host/-For; Envoy `ext_authz` keeps the
 * method and appends the original path to the check URL (`pathSuffix`).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { IdentitySource } from "../events/event.js";
import { ClientAddressResolver } from "../normalize/client-address.js";
import { LIMITS } from "../normalize/event-check.js";
import { type IdentityOptions, IdentityResolver, type ResolvedIdentity } from "../normalize/identity.js";
import { headerValue } from "../parse/fields.js";
import { KONG_SPELLING } from "../parse/headers.js";
import { RawEventBatch } from "../parse/types.js";
import { tokenDigest } from "../profile/keys.js";

/** What the check resolved about one forwarded request. */
export interface Caller {
  /** The agent id, as the log pipeline would name it; undefined when no candidate matched. */
  agentId: string | undefined;
  identitySource: IdentitySource | undefined;
  /** `tokenDigest` of the credential, as alerts and decisions carry it; undefined without one. */
  tokenHash: string | undefined;
  /** The client address (`input.trustedProxies` applied); "" when none was forwarded. */
  clientIp: string;
  method: string;
  uri: string;
}

/** The parts of `input` the check shares with the log pipeline. */
export interface CallerOptions {
  identity: IdentityOptions;
  trustedProxies: readonly string[];
}

/** Headers whose value is the gateway's, not the client's: never read as identity evidence. */
const GATEWAY_HEADERS = ["x-agentwatch-key"] as const;

export class CallerResolver {
  readonly #identity: IdentityResolver;
  readonly #addresses: ClientAddressResolver;
  readonly #raws = new RawEventBatch();
  readonly #out: ResolvedIdentity = {
    agentId: "",
    identitySource: "ip",
    authenticated: false,
    tokenId: "",
    scopes: undefined,
  };

  constructor(options: CallerOptions) {
    this.#identity = new IdentityResolver(options.identity, LIMITS.agentId, LIMITS.tokenId);
    this.#addresses = new ClientAddressResolver(options.trustedProxies);
  }

  /**
   * `explicitAgent`: an agent id the gateway named itself (`?agent=`, `X-Agentwatch-Agent`),
   * the `agent` candidate of the identity order, as a log's agent field is.
   */
  resolve(headers: IncomingHttpHeaders, explicitAgent: string | undefined, pathSuffix: string): Caller {
    const raw = this.#raws.add();
    try {
      const bag: Record<string, unknown> = { ...headers };
      for (const name of GATEWAY_HEADERS) delete bag[name];
      raw.headers = bag;
      raw.headerSpelling = KONG_SPELLING; // Node lower-cases header names, as Kong logs them
      raw.agent = explicitAgent;
      raw.consumer = firstOf(headers, "x-forwarded-user", "x-consumer-username");
      raw.method = firstOf(headers, "x-forwarded-method", "x-original-method") ?? "";
      raw.path = pathSuffix || (firstOf(headers, "x-forwarded-uri", "x-original-uri") ?? "");
      // The check's own peer is the gateway: the client is found in the list the gateway forwards.
      raw.clientIp = this.#addresses.resolve(headerValue(headers["x-forwarded-for"]), "");
      const found = this.#identity.resolve(raw, this.#out);
      return {
        agentId: found ? this.#out.agentId : undefined,
        identitySource: found ? this.#out.identitySource : undefined,
        tokenHash: this.#out.tokenId === "" ? undefined : tokenDigest(this.#out.tokenId),
        clientIp: raw.clientIp,
        method: raw.method,
        uri: raw.path,
      };
    } finally {
      this.#raws.clear(); // drop the request's headers: they hold credentials
    }
  }
}

function firstOf(headers: IncomingHttpHeaders, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headerValue(headers[name]);
    if (value !== "" && value !== "-") return value;
  }
  return undefined;
}
