/**
 * Operations as endpoints: on a route that carries many operations (a GraphQL endpoint, an MCP
 * tool gateway) the operation, not the URL, is what an agent calls, so it becomes the endpoint
 * the profile counts: `POST /graphql` running `GetOrder` is the template `/graphql#GetOrder`,
 * `POST /mcp/tools/delete_product` is `/mcp/tools#delete_product`.
 *
 * Where the operation comes from, first found wins:
 * 1. a field the gateway logged (`operation` in the json format, or a body the json line carries,
 *    read by `operationOfBody`: a GraphQL-over-HTTP body `{"query","operationName"}`, or an MCP
 *    JSON-RPC `{"method":"tools/call","params":{"name"}}`);
 * 2. a logged request header (`input.operations.headers`, default `x-apollo-operation-name`,
 *    which Apollo clients send for CSRF prevention, and `x-graphql-operation-name`);
 * 3. on a GraphQL route, the `operationName` query parameter (GraphQL over HTTP, GET), else the
 *    Apollo persisted-query hash from `extensions` (`pq:` + its first 12 hex digits), else the
 *    operation named in a `query` parameter;
 * 4. on a tool route, the path segment after `tools` (`/mcp/tools/{name}`, `/tools/{name}`).
 *
 * Whether the operation reads or writes comes from the operation, not the HTTP method: a GraphQL
 * GET is a query (the spec forbids mutations over GET), a `mutation` document writes; otherwise
 * the operation's leading verb (`getOrder`, `delete_product`, `RefundOrder` -> get, delete,
 * refund) is looked up in `destructiveVerbs`, `writeVerbs` and `readVerbs`, and the explicit
 * `destructive` / `writes` lists name operations whose verb says nothing. An unknown verb is a read
 * on GraphQL (most operations are queries) and a write on a tool gateway (tools act).
 *
 * Stateless and synchronous; allocates only the template string of requests on such routes.
 */
import { z } from "zod";

export const operationsOptionsSchema = z
  .object({
    /** Turns operations as endpoints on or off. */
    enabled: z.boolean().default(true),
    /** Route templates served by GraphQL: a template equal to one or ending with `/` + one of them. */
    graphqlRoutes: z.array(z.string().min(1)).default(["graphql"]),
    /** The path segment after which a tool gateway names the tool (`/mcp/tools/{name}`). */
    toolSegments: z.array(z.string().min(1)).default(["tools"]),
    /** JSON-RPC routes (MCP's single endpoint) whose logged operation is the tool called. */
    rpcRoutes: z.array(z.string().min(1)).default(["mcp"]),
    /** Logged request headers that carry the operation name, lower case. */
    headers: z.array(z.string().min(1)).default(["x-apollo-operation-name", "x-graphql-operation-name"]),
    /** Leading verbs of operations that destroy or move value (count like DELETE). */
    destructiveVerbs: z
      .array(z.string())
      .default([
        "delete",
        "remove",
        "destroy",
        "drop",
        "purge",
        "wipe",
        "refund",
        "transfer",
        "revoke",
        "grant",
      ]),
    /** Leading verbs of operations that change state (count like POST). */
    writeVerbs: z
      .array(z.string())
      .default([
        "create",
        "update",
        "set",
        "add",
        "put",
        "patch",
        "upsert",
        "cancel",
        "send",
        "issue",
        "approve",
        "reject",
        "archive",
        "assign",
        "upload",
        "import",
        "submit",
        "write",
        "edit",
        "modify",
        "save",
      ]),
    /** Leading verbs of operations that only read (count like GET). */
    readVerbs: z
      .array(z.string())
      .default([
        "get",
        "list",
        "search",
        "find",
        "lookup",
        "track",
        "fetch",
        "read",
        "query",
        "describe",
        "count",
        "check",
        "export",
        "view",
        "show",
      ]),
    /** Operations that are destructive whatever their verb (exact names). */
    destructive: z.array(z.string()).default([]),
    /** Operations that write whatever their verb (exact names). */
    writes: z.array(z.string()).default([]),
  })
  .strict();
export type OperationsOptions = z.output<typeof operationsOptionsSchema>;

/** What the operation does: the method code the profile counts it under (GET 1, POST 2, DELETE 5). */
export type OperationAccess = "read" | "write" | "destructive";

export interface ResolvedOperation {
  /** The operation's endpoint template, e.g. `/graphql#GetOrder`. */
  template: string;
  name: string;
  access: OperationAccess;
}

const MAX_NAME = 128;

/** `GetOrder` -> `get`, `delete_product` -> `delete`, `refundOrder` -> `refund`. */
export function leadingVerb(name: string): string {
  let end = 0;
  while (end < name.length) {
    const c = name.charCodeAt(end);
    const upper = c >= 65 && c <= 90;
    if ((upper && end > 0) || c === 95 || c === 45 || c === 46 || c === 47 || c === 58) break;
    end++;
  }
  return name.slice(0, end).toLowerCase();
}

/** The name of the operation a GraphQL document defines first (`query GetOrder(...)`), if any. */
export function operationOfDocument(document: string): { name: string | undefined; mutation: boolean } {
  const m = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(document);
  if (!m) return { name: undefined, mutation: false };
  return { name: m[2], mutation: m[1] === "mutation" };
}

/**
 * The operation a logged request body names: GraphQL over HTTP (`operationName`, else the name in
 * `query`), an Apollo persisted query (`extensions.persistedQuery.sha256Hash`), or an MCP
 * JSON-RPC `tools/call` (`params.name`; other JSON-RPC methods are the method itself).
 */
export function operationOfBody(body: unknown): string | undefined {
  let value = body;
  if (typeof value === "string") {
    if (value.length > 65_536) return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) return operationOfBody(value[0]); // a batch: its first operation
  const record = value as Record<string, unknown>;
  if (record.jsonrpc === "2.0" && typeof record.method === "string") {
    const params = record.params as Record<string, unknown> | undefined;
    if (record.method === "tools/call" && typeof params?.name === "string") return params.name;
    return record.method;
  }
  if (typeof record.operationName === "string" && record.operationName !== "") return record.operationName;
  if (typeof record.query === "string") {
    const { name, mutation } = operationOfDocument(record.query);
    if (name) return name;
    return mutation ? "anonymous mutation" : "anonymous query";
  }
  const hash = persistedHash(record.extensions);
  return hash === undefined ? undefined : `pq:${hash}`;
}

function persistedHash(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === "string" ? pq.sha256Hash.slice(0, 12).toLowerCase() : undefined;
}

/** Value of query parameter `key` in `path` (after `?`), percent-decoded; undefined when absent. */
function queryParam(path: string, key: string): string | undefined {
  const q = path.indexOf("?");
  if (q < 0) return undefined;
  let i = q + 1;
  while (i < path.length) {
    let end = path.indexOf("&", i);
    if (end < 0) end = path.length;
    if (path.startsWith(key, i) && path.charCodeAt(i + key.length) === 61) {
      const raw = path.slice(i + key.length + 1, end).replaceAll("+", " ");
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
    i = end + 1;
  }
  return undefined;
}

/** Whether `template` is `route` or ends with `/route`. */
function isRoute(template: string, routes: readonly string[]): boolean {
  for (const r of routes) {
    if (template === r || template === `/${r}`) return true;
    if (template.endsWith(r) && template.charCodeAt(template.length - r.length - 1) === 47) return true;
  }
  return false;
}

export class OperationResolver {
  private readonly destructiveVerbs: ReadonlySet<string>;
  private readonly writeVerbs: ReadonlySet<string>;
  private readonly readVerbs: ReadonlySet<string>;
  private readonly destructive: ReadonlySet<string>;
  private readonly writes: ReadonlySet<string>;

  constructor(readonly options: OperationsOptions) {
    this.destructiveVerbs = new Set(options.destructiveVerbs.map((v) => v.toLowerCase()));
    this.writeVerbs = new Set(options.writeVerbs.map((v) => v.toLowerCase()));
    this.readVerbs = new Set(options.readVerbs.map((v) => v.toLowerCase()));
    this.destructive = new Set(options.destructive);
    this.writes = new Set(options.writes);
  }

  /**
   * The operation of a request to `template` (already templated, no query), or undefined when the
   * route carries none. `logged` is what the gateway logged (field, body or header).
   */
  resolve(
    method: string,
    template: string,
    path: string,
    logged: string | undefined,
  ): ResolvedOperation | undefined {
    if (!this.options.enabled) return undefined;
    const o = this.options;
    if (isRoute(template, o.graphqlRoutes)) {
      let name = logged;
      let mutation = false;
      const document = name === undefined ? queryParam(path, "query") : undefined;
      if (name === undefined) name = queryParam(path, "operationName");
      if (name === undefined || name === "") {
        const ext = queryParam(path, "extensions");
        let hash: string | undefined;
        if (ext !== undefined) {
          try {
            hash = persistedHash(JSON.parse(ext));
          } catch {
            hash = undefined;
          }
        }
        if (hash !== undefined) name = `pq:${hash}`;
      }
      if ((name === undefined || name === "") && document !== undefined) {
        const parsed = operationOfDocument(document);
        name = parsed.name ?? (parsed.mutation ? "anonymous mutation" : "anonymous query");
        mutation = parsed.mutation;
      }
      if (name === undefined || name === "") return undefined;
      name = name.slice(0, MAX_NAME);
      // GraphQL over HTTP: a GET can only run a query.
      const access =
        method === "GET" || method === "HEAD"
          ? "read"
          : mutation
            ? this.writeAccess(name)
            : this.access(name, "read");
      return { template: `${template}#${name}`, name, access };
    }
    if (isRoute(template, o.rpcRoutes)) {
      if (logged === undefined || logged === "") return undefined;
      const name = logged.slice(0, MAX_NAME);
      return { template: `${template}#${name}`, name, access: this.access(name, "write") };
    }
    for (const segment of o.toolSegments) {
      const marker = `/${segment}/`;
      const at = template.lastIndexOf(marker);
      if (at < 0) continue;
      const name = template.slice(at + marker.length);
      if (name === "" || name.includes("/")) continue;
      return {
        template: `${template.slice(0, at + marker.length - 1)}#${name}`,
        name,
        access: this.access(name, "write"),
      };
    }
    return undefined;
  }

  /** A mutation: destructive by name or list, else a write. */
  private writeAccess(name: string): OperationAccess {
    return this.access(name, "write") === "destructive" ? "destructive" : "write";
  }

  private access(name: string, unknown: OperationAccess): OperationAccess {
    if (this.destructive.has(name)) return "destructive";
    if (this.writes.has(name)) return "write";
    const verb = leadingVerb(name);
    if (this.destructiveVerbs.has(verb)) return "destructive";
    if (this.writeVerbs.has(verb)) return "write";
    if (this.readVerbs.has(verb)) return "read";
    return unknown;
  }
}
