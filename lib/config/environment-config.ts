import { z } from 'zod';
import { dnsLabel, dnsSubdomain, gitUrl } from './common';

/** The platform components every environment runs, in the order they are listed in output. */
export const COMPONENT_NAMES = ['stoa-gateway', 'control-plane-api', 'control-plane-ui', 'stoa-portal'] as const;

/** One of the platform components. */
export type ComponentName = typeof COMPONENT_NAMES[number];

/**
 * A pinned image version: a tag other than `latest`, or a `sha256:` digest.
 * A floating tag would make the rendered manifests say nothing about what runs.
 */
export const imageVersion = z.string()
  .regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, {
    error: 'must be an image tag (letters, digits, ".", "_", "-") or a sha256: digest',
  })
  .refine((v) => v !== 'latest', { error: '"latest" is not pinned; use a version tag or a sha256: digest' });

const componentVersions = z.strictObject(
  Object.fromEntries(COMPONENT_NAMES.map((c) => [c, imageVersion])) as Record<ComponentName, typeof imageVersion>,
);

/** Schema of `environments/<name>.yaml`. */
export const environmentFileSchema = z.strictObject({
  /** Environment name; also the file name and the top folder in dist/. */
  name: dnsLabel(20),
  /** `full` (dev, staging) or `read-only` (prod: changes only by promotion, manual sync). */
  mode: z.enum(['full', 'read-only']),
  /** Color shown in reports. */
  color: z.enum(['green', 'amber', 'red']),
  /** The environment a change must reach first before it may reach this one. */
  promotedFrom: dnsLabel(20).optional(),
  /** Base domain; tenants are served on `<tenant>.<domain>`. */
  domain: dnsSubdomain,
  /** Argo CD destination cluster. */
  cluster: z.strictObject({
    name: dnsLabel(63),
    server: z.string().regex(/^https:\/\/\S+$/, { error: 'must be an https:// URL of the Kubernetes API server' }),
  }),
  /** Where Argo CD runs (the management cluster). */
  argocd: z.strictObject({
    namespace: dnsLabel(63).default('argocd'),
  }).default({ namespace: 'argocd' }),
  /** The envs repo Argo CD pulls the rendered manifests from. */
  repo: z.strictObject({
    url: gitUrl,
    revision: z.string().min(1, { error: 'must not be empty' }),
  }),
  /** Ingress settings shared by every Ingress of the environment. */
  ingress: z.strictObject({
    className: dnsLabel(63).default('nginx'),
    clusterIssuer: dnsLabel(63).default('letsencrypt'),
    controllerNamespace: dnsLabel(63).default('ingress-nginx'),
  }).default({ className: 'nginx', clusterIssuer: 'letsencrypt', controllerNamespace: 'ingress-nginx' }),
  /** Image registry and repository prefix, e.g. `ghcr.io/stoa-platform`. */
  registry: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, {
    error: 'must be a registry host with an optional path, e.g. ghcr.io/stoa-platform',
  }),
  /** Pinned version of every platform component. */
  components: componentVersions,
});

/** A validated environment file. */
export type EnvironmentConfig = z.infer<typeof environmentFileSchema>;
