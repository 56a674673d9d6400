// The name patterns of Kubernetes, the label naming a tenant and the input size limit, without zod: modules
// that only test a name or a size (the output-target guard, the rules, the input snapshot) do not load the input schemas.

/** RFC 1123 DNS label: what Kubernetes allows for namespace and most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 DNS subdomain: DNS labels joined by `.` (most Kubernetes object names). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The label every object of a tenant carries, its Namespace included: `stoa.io/tenant: <name>`. */
export const TENANT_LABEL = 'stoa.io/tenant';

/** Label of the deprovision hook Job of a tenant leaving an environment (see LeavingTenant). */
export const LEAVING_LABEL = 'stoa.io/leaving';

/**
 * Largest input file read, in bytes (1 MiB). Real tenant files are under 5 KB and
 * environment files under 20 KB; the bound keeps a huge or endless file from
 * exhausting memory or time.
 */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

/**
 * `value` as a regular expression that matches it literally (JavaScript, Go's RE2 and CEL's
 * `matches` alike): for names and domains put into generated patterns.
 */
export function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
