import { ComponentName } from '../config/environment-config';
import { ComputeAmounts } from '../config/tiers';

/** How a platform component runs. */
export interface ComponentSpec {
  /** One-line description for the Argo CD project and README. */
  readonly description: string;
  /** Port its container serves HTTP on. */
  readonly port: number;
  /** It is served on `<hostPrefix>.<env domain>`. */
  readonly hostPrefix: string;
  /** Container requests and limits. */
  readonly resources: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
}

/** The STOA platform components. */
export const COMPONENT_CATALOG: Readonly<Record<ComponentName, ComponentSpec>> = {
  'stoa-gateway': {
    description: 'Shared STOA API gateway',
    port: 8080,
    hostPrefix: 'gateway',
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  },
  'control-plane-api': {
    description: 'Control plane API: tenants, APIs, subscriptions',
    port: 8000,
    hostPrefix: 'api',
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  },
  'control-plane-ui': {
    description: 'Console UI for platform operators',
    port: 8080,
    hostPrefix: 'console',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  },
  'stoa-portal': {
    description: 'Developer portal',
    port: 8080,
    hostPrefix: 'portal',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  },
};
