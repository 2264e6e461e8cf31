/**
 * The sink registry: one line per sink file. The config's `sinks` list is validated against the
 * union of these schemas (discriminated by `type`), so an unknown type stops startup.
 */
import { z } from "zod";
import { gatewaySink } from "./gateway.js";
import { logSink } from "./log.js";
import { pagerDutySink } from "./pagerduty.js";
import { rfc7009Sink } from "./revoke-rfc7009.js";
import { revokeWebhookSink } from "./revoke-webhook.js";
import type { Sink, SinkDescriptor } from "./sink.js";
import { slackSink } from "./slack.js";
import { webhookSink } from "./webhook.js";

export const SINKS = [
  logSink,
  slackSink,
  pagerDutySink,
  rfc7009Sink,
  revokeWebhookSink,
  gatewaySink,
  webhookSink,
] as const;

export const sinkOptionsSchema = z.discriminatedUnion("type", [
  logSink.options,
  slackSink.options,
  pagerDutySink.options,
  rfc7009Sink.options,
  revokeWebhookSink.options,
  gatewaySink.options,
  webhookSink.options,
]);

export type SinkOptions = z.output<typeof sinkOptionsSchema>;

export function createSink(options: SinkOptions, env: Parameters<SinkDescriptor["create"]>[1]): Sink {
  const descriptor = SINKS.find((d) => d.type === options.type) as SinkDescriptor;
  return descriptor.create(options, env);
}

export type { Sink, SinkEvent, SinkRole } from "./sink.js";
