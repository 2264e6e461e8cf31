/**
 * The log format names, apart from the parsers: the command line lists them in `--help` without
 * loading the decoder (and zod with it). `src/parse/decoder.ts` checks each has a parser.
 */
export const FORMAT_NAMES = [
  "auto",
  "json",
  "nginx",
  "nginx-json",
  "envoy",
  "envoy-json",
  "kong",
  "traefik",
  "aws-apigw",
] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];
