/**
 * Credentials out of a rejected line before it is kept (`--rejects-out`, debug logs): the
 * values of Authorization / Cookie / API-key fields and headers, bearer and basic credentials,
 * and credential-looking query parameters (`access_token=`, `api_key=`, `token=`, ...) become
 * `[redacted]`. A rejected line is kept so an operator can see why it failed, not to store secrets.
 */

const REDACTED = "[redacted]";

/** Names of fields, headers and query parameters that carry credentials (lower case, `-`/`_` free). */
const NAMES =
  "authorization|proxyauthorization|cookie|setcookie|xapikey|apikey|apitoken|accesstoken|refreshtoken|idtoken|token|clientsecret|secret|password|passwd|xauthtoken|xamzsecuritytoken|signature|xamzsignature|sig|session|sessionid";

/** `"name": "value"` in JSON (any spelling: `http_authorization`, `request_Authorization`, `Authorization`). */
const JSON_FIELD = new RegExp(
  `("(?:[\\w-]*?[_-])?(?:${NAMES.replace(/(\w)(?=\w)/g, "$1[_-]?")})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`,
  "gi",
);
/** `name=value` in a query string or cookie header. */
const QUERY_PARAM = new RegExp(
  `([?&;\\s](?:${NAMES.replace(/(\w)(?=\w)/g, "$1[_-]?")})=)([^&\\s"';]+)`,
  "gi",
);
/** `Bearer xyz`, `Basic xyz` wherever they appear (text formats log headers as quoted strings). */
const SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/=-]+/gi;

export function redactCredentials(line: string): string {
  return line
    .replace(JSON_FIELD, (_m, open: string, _value: string, close: string) => `${open}${REDACTED}${close}`)
    .replace(QUERY_PARAM, (_m, name: string) => `${name}${REDACTED}`)
    .replace(SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}
