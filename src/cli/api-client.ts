/**
 * The status API as the command line calls it: the URL and key from flags or AGENTWATCH_URL /
 * AGENTWATCH_API_KEY, JSON in and out, and every failure as one coded AgentwatchError (a refused
 * key is UNAUTHORIZED, a server that does not answer API_UNREACHABLE), never a stack trace.
 */
import { AgentwatchError, ERROR_CODES, type ErrorCode } from "../errors.js";

export interface ApiTarget {
  url: string;
  key: string | undefined;
}

/** How long a command waits for the API before giving up. */
const TIMEOUT_MS = 10_000;

export class ApiClient {
  readonly #base: string;
  readonly #key: string | undefined;

  constructor(target: ApiTarget) {
    this.#base = target.url.replace(/\/+$/, "");
    this.#key = target.key;
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
    const search = params.size > 0 ? `?${params}` : "";
    return this.#request<T>("GET", `${path}${search}`);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>("POST", path, body);
  }

  delete(path: string): Promise<void> {
    return this.#request<void>("DELETE", path);
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.#key) {
      throw new AgentwatchError("UNAUTHORIZED", "no API key: pass --key or set AGENTWATCH_API_KEY");
    }
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new AgentwatchError("API_UNREACHABLE", `${this.#base}: ${reasonOf(error)}`, { cause: error });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    throw apiError(response.status, text, this.#base);
  }
}

/** The API's `{"error": {"code", "message"}}` as the same code, with the server's detail. */
function apiError(status: number, text: string, base: string): AgentwatchError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    ({ code, message } = (JSON.parse(text) as { error: { code: string; message: string } }).error);
  } catch {
    // Not agentwatch answering (a proxy's HTML page): the status says enough.
  }
  if (code && code in ERROR_CODES) {
    const known = ERROR_CODES[code as ErrorCode].message;
    // The server's message already starts with the code's own text; keep only its detail.
    const detail = message?.startsWith(known) ? message.slice(known.length).replace(/^: /, "") : message;
    return new AgentwatchError(code as ErrorCode, detail || `answered by ${base} (HTTP ${status})`);
  }
  return new AgentwatchError("API_UNREACHABLE", `${base} answered HTTP ${status}, not the agentwatch API`);
}

/** "connection refused" rather than undici's "fetch failed" with the reason in its cause. */
function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError")
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED")
    return "connection refused (is `agentwatch run` serving its API there?)";
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
