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

/** Whether a request path (with or without query) looks like scanner reconnaissance. */
export function isScannerPath(path: string): boolean {
  return SCANNER_PATH.test(path);
}

/** Route segments that mean administration, internals or credentials, whatever the API. */
const SENSITIVE_ROUTE =
  /(?:^|[/_.-])(?:admin\w*|internal|debug|manage(?:ment)?|actuator|config\w*|settings|system|sudo|root|superuser|impersonat\w*|privilege\w*|permissions?|roles?|grants?|secrets?|credentials?|keys|tokens?|export|dump|backup|purge|wipe|reset|shutdown|exec|shell|console|ops)(?=$|[/_.-])/i;

/** Whether a route template looks administrative, internal, debug or credential-related. */
export function isSensitiveRoute(template: string): boolean {
  return SENSITIVE_ROUTE.test(template);
}
