/**
 * The one HTTP call every sink makes, and the one place its result is classified: 2xx is success;
 * 408, 429, 5xx, timeouts and connection failures are retriable; any other 4xx is a rejection that
 * retrying cannot fix. `Retry-After` (seconds or an HTTP date) travels with the error. Error
 * messages carry the status and a short, sanitised body excerpt, never the URL or headers, because
 * URLs and headers are where webhook tokens and credentials live.
 */
import { AgentwatchError, type ErrorCode } from "../errors.js";

export interface HttpRequest {
  /** Revealed URL; used for the call only. */
  url: string;
  method?: "POST" | "GET";
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A failed delivery attempt. `retryAfterMs` is set when the server said when to come back. */
export class DeliveryError extends AgentwatchError {
  constructor(
    code: ErrorCode,
    detail: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(code, detail);
    this.name = "DeliveryError";
  }
}

/** `Retry-After` as milliseconds from `now`, or undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const EXCERPT_CHARS = 200;

function excerpt(text: string): string {
  // Bodies can echo what we sent; keep it short and on one line.
  return text.replace(/\s+/g, " ").trim().slice(0, EXCERPT_CHARS);
}

export function classify(response: HttpResponse, now: number): DeliveryError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);
  const detail = `HTTP ${status}${response.text ? `: ${excerpt(response.text)}` : ""}`;
  if (status === 429) return new DeliveryError("SINK_RATE_LIMITED", detail, status, retryAfterMs);
  if (status === 408 || status >= 500)
    return new DeliveryError("SINK_UNAVAILABLE", detail, status, retryAfterMs);
  return new DeliveryError("SINK_REJECTED", detail, status);
}

/** Answers are read up to this size: sinks need a status and a short body, never megabytes. */
const MAX_BODY_BYTES = 64 * 1024;

async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString("utf8");
}

/** One request with a hard timeout (wall time: a network call cannot run on event time). */
async function httpCall(
  request: HttpRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method ?? "POST",
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      redirect: "manual", // a redirect could forward credentials elsewhere
    });
    const text = await readCapped(response, MAX_BODY_BYTES);
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (timeout.aborted) throw new DeliveryError("SINK_TIMEOUT", `no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new DeliveryError("SINK_UNAVAILABLE", `connection failed${cause ? ` (${cause})` : ""}`);
  }
}

/** `httpCall` + `classify`: resolves with the response on 2xx, throws `DeliveryError` otherwise. */
export async function send(
  request: HttpRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  const response = await httpCall(request, timeoutMs, signal);
  const error = classify(response, Date.now());
  if (error) throw error;
  return response;
}
