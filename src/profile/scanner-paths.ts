/**
 * Route patterns that say "reconnaissance" or "privileged" whatever the API.
 *
 * Paths that vulnerability scanners and reconnaissance tools request and that ordinary API
 * clients have no reason to touch: secrets files, VCS metadata, framework debug endpoints, API
 * descriptions anywhere in the path; admin consoles only at the root (an API's own
 * `/api/v1/admin/...` routes are not a scanner's guess). One precompiled pattern; linear time.
 */
const SCANNER_PATH =
  /(?:^|\/)(?:\.env(?:\.[\w-]+)?|\.git|\.svn|\.hg|\.ds_store|\.aws|\.ssh|\.htaccess|\.htpasswd|wp-login\.php|wp-admin|xmlrpc\.php|phpmyadmin|phpinfo\.php|server-status|server-info|cgi-bin|config\.(?:json|ya?ml|php|js)|credentials(?:\.json)?|id_rsa|web\.config|backup\.(?:sql|zip|tar|gz)|dump\.sql|openapi\.(?:json|ya?ml)|swagger(?:\.json|\.ya?ml|-ui)?|api-docs|graphiql|passwd)(?=[/?#.]|$)|^\/(?:admin(?:istrator)?(?:\.php)?|actuator|console|manager|debug)(?=[/?#.]|$)/i;

/**
 * Documents through which clients discover an API: its description (`/openapi.json`, Swagger,
 * `api-docs`) and `/.well-known/*` (OpenID and OAuth metadata, RFC 8615). Agents fetch them to
 * learn an API, so one that is served is routine; guessing them (answered 4xx) is still scanning.
 */
const DISCOVERY_PATH =
  /(?:^|\/)(?:openapi\.(?:json|ya?ml)|swagger(?:\.json|\.ya?ml)?|api-docs|\.well-known)(?=[/?#.]|$)/i;

/**
 * Whether a request looks like scanner reconnaissance: a scanner path, except a discovery
 * document the API served (status below 400).
 */
export function isScannerPath(path: string, status = 404): boolean {
  if (!SCANNER_PATH.test(path)) return false;
  return status >= 400 || !DISCOVERY_PATH.test(path);
}

/**
 * The OAuth / OpenID token endpoint (RFC 6749 section 3.2) and its refresh or introspection
 * siblings: issuing and refreshing tokens is what every client does, not credential tampering.
 */
const TOKEN_ENDPOINT =
  /(?:^|\/)(?:oauth2?|auth|connect|openid(?:-connect)?|identity|sts)(?:\/v\d+)?\/(?:token|refresh|token\/refresh|introspect)$/i;

/** Whether a route template is a token issue/refresh endpoint (routine, see TOKEN_ENDPOINT). */
export function isTokenEndpoint(template: string): boolean {
  return TOKEN_ENDPOINT.test(template);
}

/** Route segments that mean administration, internals or credentials, whatever the API. */
const SENSITIVE_ROUTE =
  /(?:^|[/_.-])(?:admin\w*|internal|debug|manage(?:ment)?|actuator|config\w*|settings|system|sudo|root|superuser|impersonat\w*|privilege\w*|permissions?|roles?|grants?|secrets?|credentials?|keys|tokens?|export|dump|backup|purge|wipe|reset|shutdown|exec|shell|console|ops)(?=$|[/_.-])/i;

/**
 * Whether a route template looks administrative, internal, debug or credential-related; the token
 * endpoint, though it names tokens, is routine.
 */
export function isSensitiveRoute(template: string): boolean {
  return SENSITIVE_ROUTE.test(template) && !isTokenEndpoint(template);
}

/** Routes where credentials are checked: login, sign-in, sessions, and the token endpoint. */
const CREDENTIAL_ROUTE = /(?:^|\/)(?:login|log-in|signin|sign-in|sessions?|authenticate|password)$/i;

/** Whether refused requests to `template` are failed credential checks (see the probing detector). */
export function isCredentialRoute(template: string): boolean {
  return CREDENTIAL_ROUTE.test(template) || TOKEN_ENDPOINT.test(template);
}
