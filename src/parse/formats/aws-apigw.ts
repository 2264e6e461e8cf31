/**
 * AWS API Gateway JSON access logs, REST and HTTP APIs. The log format is whatever the stage's
 * `accessLogSettings.format` says, so keys are read under the names AWS uses in its documented
 * sample formats (`requestId`, `ip`, `caller`, `user`, `requestTime`, `httpMethod`,
 * `resourcePath`, `routeKey`, `status`, `protocol`, `responseLength`), under the `$context`
 * variable names themselves, flat (`"identity.sourceIp"`) or nested
 * (`{"identity": {"sourceIp": ...}}`), and with the usual extras (`requestTimeEpoch`, `path`,
 * `responseLatency`, `integrationLatency`, `userAgent`, `authorizer.*`, `apiKeyId`). Values
 * are often strings, and unset variables print `-`.
 *
 * Time: `requestTimeEpoch` (ms), else the CLF `requestTime`. Route: `resourcePath` (REST) or
 * the path of `routeKey` (`GET /pets/{id}`, HTTP API), except greedy `{proxy+}` routes and
 * `$default`, which match everything and say nothing about the endpoint. Path: `path` when
 * logged, else the route (the documented samples log no path; then there is no object id).
 * AWS logs no request size: requestBytes is 0. Identity evidence: `authorizer.claims.sub`
 * (a JWT the gateway validated), `authorizer.principalId` / `user` / `caller` (consumer),
 * `apiKeyId` (API key id, also the token id).
 */
import { hashSecret } from "../../normalize/secret-hash.js";
import { FieldReader, parseClfTime, prop } from "../fields.js";
import { parseJsonObject } from "../safe-json.js";
import { hasQuoted } from "../sniff.js";
import {
  type FormatDescriptor,
  LineRejection,
  type RawEventBatch,
  type Rejection,
  reject,
} from "../types.js";

const read = new FieldReader();

/** A `$context.<group>.<name>` variable: its flat key (`"group.name"`), group and name. */
type ContextVariable = readonly [flat: string, group: string, name: string];

function variable(group: string, name: string): ContextVariable {
  return [`${group}.${name}`, group, name];
}

const INTEGRATION_LATENCY = variable("integration", "latency");
const SOURCE_IP = variable("identity", "sourceIp");
const USER_AGENT = variable("identity", "userAgent");
const USER = variable("identity", "user");
const CALLER = variable("identity", "caller");
const API_KEY_ID = variable("identity", "apiKeyId");
const API_KEY = variable("identity", "apiKey");
const CLAIMS = variable("authorizer", "claims");
const PRINCIPAL_ID = variable("authorizer", "principalId");

/** A `$context` variable logged flat (`"group.name": ...`) or nested (`"group": {"name": ...}`). */
function context(record: Record<string, unknown>, [flat, group, name]: ContextVariable): unknown {
  return record[flat] ?? prop(record[group], name);
}

function routeTemplate(resourcePath: string, routeKey: string): string | undefined {
  let route = resourcePath;
  if (route === "" && routeKey !== "" && routeKey !== "$default") {
    const space = routeKey.indexOf(" ");
    route = space >= 0 ? routeKey.slice(space + 1) : routeKey;
  }
  if (route.charCodeAt(0) !== 47 || route.includes("+}")) return undefined;
  return route;
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const record = parseJsonObject(line);
  if (record instanceof LineRejection) return record;
  read.reset();
  const event = out.add();
  const epoch = record.requestTimeEpoch;
  const clf = record.requestTime;
  if ((epoch == null || epoch === "-") && (typeof clf !== "string" || clf === "-")) {
    return reject("MISSING_FIELD", "no requestTimeEpoch or requestTime");
  }
  event.timestamp =
    epoch != null && epoch !== "-"
      ? read.number(epoch, "requestTimeEpoch", Number.NaN)
      : parseClfTime(clf as string);
  const routeKey = read.text(record.routeKey, "routeKey");
  const resourcePath = read.text(record.resourcePath, "resourcePath");
  event.method = read.text(record.httpMethod, "httpMethod");
  if (event.method === "" && routeKey.includes(" ")) event.method = routeKey.slice(0, routeKey.indexOf(" "));
  event.route = routeTemplate(resourcePath, routeKey);
  event.path = read.text(record.path, "path") || event.route || resourcePath;
  if (event.method === "" || event.path === "" || record.status == null) {
    return read.problem() ?? reject("MISSING_FIELD", "no httpMethod/routeKey, path/resourcePath or status");
  }
  event.status = read.number(record.status, "status", Number.NaN);
  event.responseBytes = read.number(record.responseLength, "responseLength");
  event.latencyMs = read.number(
    record.responseLatency ??
      record.latency ??
      record.integrationLatency ??
      context(record, INTEGRATION_LATENCY),
    "responseLatency",
  );
  event.clientIp = read.text(
    record.ip ?? record.sourceIp ?? context(record, SOURCE_IP) ?? prop(record.identity, "ip"),
    "ip",
  );
  event.peerIp = event.clientIp; // $context.identity.sourceIp is the connecting address
  event.userAgent = read.text(record.userAgent ?? context(record, USER_AGENT), "userAgent");
  event.requestId = read.text(record.requestId ?? record.extendedRequestId, "requestId");
  const claims = context(record, CLAIMS);
  event.jwtSubject = read.optionalText(
    record["authorizer.claims.sub"] ?? prop(claims, "sub"),
    "authorizer.claims.sub",
  );
  event.consumer =
    read.optionalText(context(record, PRINCIPAL_ID), "authorizer.principalId") ??
    read.optionalText(record.user ?? context(record, USER), "user") ??
    read.optionalText(record.caller ?? context(record, CALLER), "caller");
  event.apiKeyId = read.optionalText(record.apiKeyId ?? context(record, API_KEY_ID), "apiKeyId");
  if (event.apiKeyId === undefined) {
    // `$context.identity.apiKey` is the key itself: keep only a hash of it.
    const rawKey = read.optionalText(record.apiKey ?? context(record, API_KEY), "apiKey");
    if (rawKey !== undefined) event.apiKeyId = hashSecret(rawKey);
  }
  if (event.apiKeyId !== undefined) event.tokenId = event.apiKeyId;
  const problem = read.problem();
  if (problem) return problem;
  return undefined;
}

export const awsApiGateway: FormatDescriptor = {
  name: "aws-apigw",
  description: "AWS API Gateway JSON access log (REST and HTTP APIs, $context variables)",
  sniff: (line) =>
    line.charCodeAt(0) === 123 &&
    (hasQuoted(line, "routeKey") ||
      hasQuoted(line, "resourcePath") ||
      hasQuoted(line, "requestTimeEpoch") ||
      (hasQuoted(line, "httpMethod") && hasQuoted(line, "requestId"))),
  parse,
};
