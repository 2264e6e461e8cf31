/**
 * The simulated API surface: resources with ids in their paths, their sub-resources, search,
 * export and admin endpoints, and how big and slow each endpoint's responses are.
 *
 * Three vocabularies (crm, health, fintech) share one generator, so personas and attacks are
 * written against resource *roles* (the party, the billing record, the document...) and work on
 * every surface; what changes between surfaces is the names, the base path, the admin prefix and
 * the shape of object ids, which is what a detector must not depend on.
 */
import type { Rng } from "./rng.js";
import { fmix32, hash32 } from "./rng.js";

/** What a resource is to the business; personas and attacks pick resources by role. */
export type ResourceRole = "party" | "transaction" | "billing" | "document" | "ticket" | "user" | "product";

/**
 * How object ids look in paths: `numeric` (1042), `uuid`, `padded` (account-number-like
 * `INV-0012345`, sequential under the prefix) or `opaque` (Stripe-like `cus_8fK2...`).
 */
export type IdStyle = "numeric" | "uuid" | "padded" | "opaque";

export interface Resource {
  readonly name: string;
  readonly role: ResourceRole;
  readonly idStyle: IdStyle;
  /** Prefix of padded/opaque ids. */
  readonly idPrefix: string;
  /** Objects that exist are numbered [firstId, firstId + span) with this density. */
  readonly firstId: number;
  readonly span: number;
  readonly density: number;
  /** Read-only sub-collections under one object, e.g. `/customers/{id}/orders`. */
  readonly subresources: readonly string[];
  /** Sub-collections agents may POST to, e.g. ticket comments. */
  readonly postable: readonly string[];
  /** Median bytes of one object's JSON. */
  readonly objectBytes: number;
}

export type EndpointKind =
  | "list"
  | "get"
  | "sub"
  | "sub-create"
  | "create"
  | "update"
  | "delete"
  | "search"
  | "export"
  | "admin-read"
  | "admin-write";

export interface Endpoint {
  /** Stable index in `Surface.endpoints`. */
  readonly index: number;
  readonly method: string;
  /** Path template with `{id}` for the object id (what a gateway route would say). */
  readonly template: string;
  readonly kind: EndpointKind;
  readonly resource: Resource | undefined;
  readonly sub: string | undefined;
  /** Median response bytes for one request at the default page size. */
  readonly responseBytes: number;
  /** Median latency, ms. */
  readonly latencyMs: number;
}

export interface Surface {
  readonly name: string;
  readonly basePath: string;
  readonly adminPrefix: string;
  readonly resources: readonly Resource[];
  readonly endpoints: readonly Endpoint[];
  /** Search terms agents send in `q=`. */
  readonly searchTerms: readonly string[];
}

interface ResourceSeed {
  name: string;
  role: ResourceRole;
  idStyle: IdStyle;
  idPrefix?: string;
  subresources: string[];
  postable?: string[];
  objectBytes: number;
}

interface Vocabulary {
  basePath: string;
  adminPrefix: string;
  adminCollections: string[];
  resources: ResourceSeed[];
  searchTerms: string[];
}

const VOCABULARIES: Record<string, Vocabulary> = {
  crm: {
    basePath: "/api/v1",
    adminPrefix: "admin",
    adminCollections: ["users", "audit-log", "settings", "api-keys", "roles"],
    resources: [
      {
        name: "customers",
        role: "party",
        idStyle: "numeric",
        subresources: ["orders", "addresses", "payment-methods", "contacts", "notes"],
        postable: ["notes"],
        objectBytes: 2200,
      },
      {
        name: "orders",
        role: "transaction",
        idStyle: "numeric",
        subresources: ["items", "shipments", "refunds"],
        objectBytes: 1800,
      },
      {
        name: "invoices",
        role: "billing",
        idStyle: "padded",
        idPrefix: "INV-",
        subresources: ["lines", "payments"],
        objectBytes: 2600,
      },
      {
        name: "documents",
        role: "document",
        idStyle: "uuid",
        subresources: ["content", "versions", "permissions"],
        objectBytes: 1400,
      },
      {
        name: "tickets",
        role: "ticket",
        idStyle: "numeric",
        subresources: ["comments", "attachments", "history"],
        postable: ["comments"],
        objectBytes: 1600,
      },
      {
        name: "users",
        role: "user",
        idStyle: "numeric",
        subresources: ["sessions", "roles"],
        objectBytes: 900,
      },
      {
        name: "products",
        role: "product",
        idStyle: "numeric",
        subresources: ["inventory", "reviews"],
        objectBytes: 1200,
      },
    ],
    searchTerms: [
      "acme",
      "refund",
      "overdue",
      "shipping delay",
      "renewal",
      "invoice dispute",
      "priority",
      "churn",
    ],
  },
  health: {
    basePath: "/v2",
    adminPrefix: "internal",
    adminCollections: ["staff", "audit-events", "config", "credentials", "permissions"],
    resources: [
      {
        name: "patients",
        role: "party",
        idStyle: "uuid",
        subresources: ["encounters", "allergies", "medications", "insurance", "contacts"],
        objectBytes: 3100,
      },
      {
        name: "encounters",
        role: "transaction",
        idStyle: "numeric",
        subresources: ["observations", "diagnoses", "procedures"],
        objectBytes: 2400,
      },
      {
        name: "claims",
        role: "billing",
        idStyle: "opaque",
        idPrefix: "clm_",
        subresources: ["lines", "adjudication"],
        objectBytes: 2900,
      },
      {
        name: "records",
        role: "document",
        idStyle: "uuid",
        subresources: ["content", "signatures", "versions"],
        objectBytes: 1700,
      },
      {
        name: "cases",
        role: "ticket",
        idStyle: "numeric",
        subresources: ["notes", "tasks", "timeline"],
        postable: ["notes"],
        objectBytes: 1500,
      },
      {
        name: "practitioners",
        role: "user",
        idStyle: "numeric",
        subresources: ["schedule", "roles"],
        objectBytes: 1100,
      },
      {
        name: "formulary",
        role: "product",
        idStyle: "padded",
        idPrefix: "RX",
        subresources: ["interactions"],
        objectBytes: 800,
      },
    ],
    searchTerms: ["diabetes", "follow-up", "discharge", "lab result", "prior auth", "allergy", "referral"],
  },
  fintech: {
    basePath: "",
    adminPrefix: "ops",
    adminCollections: ["members", "ledger-audit", "limits", "keys", "grants"],
    resources: [
      {
        name: "accounts",
        role: "party",
        idStyle: "padded",
        idPrefix: "AC",
        subresources: ["balances", "transactions", "beneficiaries", "statements", "holders"],
        objectBytes: 1900,
      },
      {
        name: "transfers",
        role: "transaction",
        idStyle: "opaque",
        idPrefix: "tr_",
        subresources: ["events", "fees"],
        objectBytes: 1300,
      },
      {
        name: "statements",
        role: "billing",
        idStyle: "numeric",
        subresources: ["entries", "pdf"],
        objectBytes: 3400,
      },
      {
        name: "files",
        role: "document",
        idStyle: "opaque",
        idPrefix: "file_",
        subresources: ["download", "links"],
        objectBytes: 900,
      },
      {
        name: "disputes",
        role: "ticket",
        idStyle: "numeric",
        subresources: ["evidence", "messages"],
        postable: ["messages"],
        objectBytes: 2100,
      },
      {
        name: "members",
        role: "user",
        idStyle: "opaque",
        idPrefix: "mem_",
        subresources: ["devices"],
        objectBytes: 800,
      },
      {
        name: "cards",
        role: "product",
        idStyle: "numeric",
        subresources: ["limits", "authorizations"],
        objectBytes: 1000,
      },
    ],
    searchTerms: ["chargeback", "wire", "sepa", "pending", "reversal", "kyc", "limit increase"],
  },
};

/** Builds the surface `name`; object populations are drawn from `rng` so they vary with the seed. */
export function buildSurface(name: string, rng: Rng): Surface {
  const vocab = VOCABULARIES[name];
  if (!vocab) throw new RangeError(`unknown surface ${name}`);
  const resources: Resource[] = vocab.resources.map((r) => ({
    name: r.name,
    role: r.role,
    idStyle: r.idStyle,
    idPrefix: r.idPrefix ?? "",
    firstId: rng.int(1, 9) * 10 ** rng.int(3, 5),
    span: rng.int(20_000, 400_000),
    density: rng.uniform(0.55, 0.95),
    subresources: r.subresources,
    postable: r.postable ?? [],
    objectBytes: r.objectBytes,
  }));

  const endpoints: Endpoint[] = [];
  const add = (
    method: string,
    template: string,
    kind: EndpointKind,
    resource: Resource | undefined,
    sub: string | undefined,
    responseBytes: number,
    latencyMs: number,
  ) => {
    endpoints.push({
      index: endpoints.length,
      method,
      template,
      kind,
      resource,
      sub,
      responseBytes,
      latencyMs,
    });
  };
  const base = vocab.basePath;
  for (const r of resources) {
    const coll = `${base}/${r.name}`;
    // Lists return summaries, about 40% of an object each, 20 to a default page.
    add("GET", coll, "list", r, undefined, r.objectBytes * 8, 60);
    add("GET", `${coll}/{id}`, "get", r, undefined, r.objectBytes, 25);
    add("POST", coll, "create", r, undefined, r.objectBytes, 80);
    add("PATCH", `${coll}/{id}`, "update", r, undefined, r.objectBytes, 70);
    add("DELETE", `${coll}/{id}`, "delete", r, undefined, 0, 50);
    for (const sub of r.subresources) {
      add("GET", `${coll}/{id}/${sub}`, "sub", r, sub, Math.round(r.objectBytes * 2.5), 40);
    }
    for (const sub of r.postable) add("POST", `${coll}/{id}/${sub}`, "sub-create", r, sub, 600, 70);
    add("GET", `${coll}/export`, "export", r, undefined, r.objectBytes * 400, 900);
  }
  add("GET", `${base}/search`, "search", undefined, undefined, 9000, 120);
  const admin = `${base}/${vocab.adminPrefix}`;
  for (const c of vocab.adminCollections) {
    add("GET", `${admin}/${c}`, "admin-read", undefined, c, 6000, 45);
  }
  // The admin writes a prompt-injected agent is talked into: grant a role, rotate keys, change settings.
  add(
    "POST",
    `${admin}/${vocab.adminCollections[0]}/{id}/${vocab.adminCollections[4]}`,
    "admin-write",
    undefined,
    "grant",
    300,
    60,
  );
  add("POST", `${admin}/${vocab.adminCollections[3]}`, "admin-write", undefined, "keys", 400, 60);
  add("PUT", `${admin}/${vocab.adminCollections[2]}`, "admin-write", undefined, "settings", 300, 60);

  return {
    name,
    basePath: base,
    adminPrefix: vocab.adminPrefix,
    resources,
    endpoints,
    searchTerms: vocab.searchTerms,
  };
}

/** Whether object number `n` of `r` exists (a fixed hash, so every agent agrees). */
export function objectExists(r: Resource, n: number): boolean {
  if (n < r.firstId || n >= r.firstId + r.span) return false;
  return fmix32(n ^ hash32(r.name)) / 4294967296 < r.density;
}

/** An existing object number of `r`, uniformly. */
export function randomExistingObject(r: Resource, rng: Rng): number {
  for (;;) {
    const n = r.firstId + Math.floor(rng.float() * r.span);
    if (objectExists(r, n)) return n;
  }
}

/** A number that is not an object of `r` (for benign 404s). */
export function randomMissingObject(r: Resource, rng: Rng): number {
  for (;;) {
    const n = r.firstId + Math.floor(rng.float() * r.span * 1.2);
    if (!objectExists(r, n)) return n;
  }
}

/** The path segment for object number `n` in the resource's id style; deterministic per (resource, n). */
export function formatObjectId(r: Resource, n: number): string {
  switch (r.idStyle) {
    case "numeric":
      return String(n);
    case "padded":
      return `${r.idPrefix}${String(n).padStart(8, "0")}`;
    case "uuid": {
      const h = hash32(r.name);
      const w = [fmix32(n ^ h), fmix32(n + 0x9e3779b9 + h), fmix32(n * 3 + h), fmix32(n ^ 0x5bd1e995 ^ h)];
      const hex = w.map((x) => x.toString(16).padStart(8, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[(w[3] as number) & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    }
    case "opaque": {
      let x = fmix32(n ^ hash32(r.name));
      let s = r.idPrefix;
      for (let i = 0; i < 14; i++) {
        s += OPAQUE[x % 62];
        x = fmix32(x + i + 1);
      }
      return s;
    }
  }
}

const OPAQUE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The concrete path for `e` addressing object `n`, without query. */
export function endpointPath(e: Endpoint, n: number): string {
  if (!e.template.includes("{id}")) return e.template;
  const id = e.resource ? formatObjectId(e.resource, n) : String(n);
  return e.template.replace("{id}", id);
}

export function endpointsOf(s: Surface, r: Resource, kinds: readonly EndpointKind[]): Endpoint[] {
  return s.endpoints.filter((e) => e.resource === r && kinds.includes(e.kind));
}

export function resourceByRole(s: Surface, role: ResourceRole): Resource {
  const r = s.resources.find((x) => x.role === role);
  if (!r) throw new RangeError(`surface ${s.name} has no ${role} resource`);
  return r;
}
