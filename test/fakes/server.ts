/**
 * A tiny real HTTP server on 127.0.0.1 for the fakes: records every request, and lets a test
 * script failures ahead of the fake's own behaviour (status, body, headers, or a dropped
 * connection), or take it down entirely.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** What the fake answered. */
  status: number;
  /** Wall time the request was complete. */
  at: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this many milliseconds (a slow or hanging service). */
  delayMs?: number;
}

/** A scripted answer, or `drop` to destroy the socket (a connection failure). */
export type Scripted = Reply | "drop";

export type Handler = (req: {
  method: string;
  path: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
}) => Reply;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  /** Highest number of requests being answered at the same time. */
  maxConcurrent = 0;
  #concurrent = 0;
  /** Applied to every answer that has no delay of its own. */
  delayMs = 0;
  #script: Scripted[] = [];
  readonly #pathScripts = new Map<string, Scripted[]>();
  #down: Scripted | undefined;
  /** Consulted before the handler on every request: an answer of its own, or undefined to go on. */
  intercept: ((path: string) => Scripted | undefined) | undefined;
  #server: Server | undefined;
  #url = "";

  constructor(private readonly handler: Handler) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}`;
    return this;
  }

  get url(): string {
    return this.#url;
  }

  /** The next answers, in order, before normal behaviour resumes. */
  script(...answers: Scripted[]): void {
    this.#script.push(...answers);
  }

  /** Like `script`, for requests to one path only. */
  scriptFor(path: string, ...answers: Scripted[]): void {
    this.#pathScripts.set(path, [...(this.#pathScripts.get(path) ?? []), ...answers]);
  }

  /** Every request gets this answer until `up()`. */
  down(answer: Scripted = { status: 503, body: "unavailable" }): void {
    this.#down = answer;
  }

  up(): void {
    this.#down = undefined;
  }

  /** Requests the fake accepted (2xx). */
  get accepted(): RecordedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", this.#url);
      const scripted =
        this.#down ??
        this.#pathScripts.get(url.pathname)?.shift() ??
        this.#script.shift() ??
        this.intercept?.(url.pathname);
      const reply: Scripted =
        scripted ??
        this.handler({ method: req.method ?? "", path: url.pathname, url, headers: req.headers, body });
      const base = {
        method: req.method ?? "",
        path: url.pathname,
        headers: req.headers,
        body,
        at: Date.now(),
      };
      if (reply === "drop") {
        this.requests.push({ ...base, status: 0 });
        req.socket.destroy();
        return;
      }
      this.requests.push({ ...base, status: reply.status });
      this.#concurrent++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.#concurrent);
      setTimeout(() => {
        this.#concurrent--;
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? { "content-type": "text/plain" });
        res.end(reply.body ?? "");
      }, reply.delayMs ?? this.delayMs);
    });
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { "content-type": "text/plain", ...headers } };
}
