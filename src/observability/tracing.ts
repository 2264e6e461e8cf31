/**
 * OpenTelemetry tracing: the SDK is installed only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the
 * traces-specific variable) is set, exporting over OTLP/HTTP; otherwise `@opentelemetry/api` stays
 * a no-op and spans cost nothing. Code everywhere else creates spans only through `withSpan`
 * (ingest batches, detection batches, deliveries, HTTP requests) so it never depends on the SDK.
 */
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { AgentwatchError } from "../errors.js";

const TRACER_NAME = "agentwatch";

export interface Tracing {
  /** Whether spans are exported (an OTLP endpoint was configured). */
  readonly enabled: boolean;
  /** Flushes pending spans and uninstalls the SDK; main calls it last on shutdown. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Environment to read the OTEL_* variables from; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reported as `service.version`. */
  serviceVersion?: string;
}

/**
 * Installs the SDK when an OTLP endpoint is configured. The exporter itself reads the standard
 * OTEL_EXPORTER_OTLP_* variables (headers, timeout) from the process environment, so operators
 * configure it the way they configure every other OpenTelemetry service.
 */
export function initTracing(options: TracingOptions = {}): Tracing {
  const env = options.env ?? process.env;
  // The traces-specific variable is the full URL; the generic one is a base to append the path to.
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (env.OTEL_EXPORTER_OTLP_ENDPOINT && `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`);
  if (!url || env.OTEL_SDK_DISABLED === "true") {
    return { enabled: false, shutdown: async () => {} };
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": env.OTEL_SERVICE_NAME || TRACER_NAME,
      ...(options.serviceVersion ? { "service.version": options.serviceVersion } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` inside a span named `name`, ending it when `fn` returns or its promise settles, and
 * marking it as an error when it throws. The span carries the error's code (AgentwatchError) or
 * class name, never its message: spans leave the process and messages may hold URLs or details.
 * Works for synchronous batch code as well as async deliveries.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    const fail = (error: unknown) => {
      const message =
        error instanceof AgentwatchError ? error.code : error instanceof Error ? error.name : "error";
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.end();
      throw error;
    };
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      return fail(error);
    }
    if (result instanceof Promise) {
      return result.then((value) => {
        span.end();
        return value;
      }, fail) as T;
    }
    span.end();
    return result;
  });
}

/** Starts a server span for an incoming HTTP request, continuing the caller's W3C trace context. */
export function startServerSpan(
  name: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  attributes: Attributes,
): Span {
  const parent = propagation.extract(context.active(), headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}
