/**
 * The registry of log formats. `auto` tries them in this order, most specific first: the JSON
 * formats whose keys are unmistakable, then the generic ones, then the text formats. Adding a
 * format means adding its module and one line here (and its name to FORMAT_NAMES).
 */
import type { FormatDescriptor } from "../types.js";
import { awsApiGateway } from "./aws-apigw.js";
import { envoy } from "./envoy.js";
import { envoyJson } from "./envoy-json.js";
import { json } from "./json.js";
import { kong } from "./kong.js";
import { nginx } from "./nginx.js";
import { nginxJson } from "./nginx-json.js";
import { traefik } from "./traefik.js";

export const FORMATS: readonly FormatDescriptor[] = [
  kong,
  traefik,
  awsApiGateway,
  envoyJson,
  nginxJson,
  json,
  envoy,
  nginx,
];
