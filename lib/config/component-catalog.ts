import { ComputeAmounts } from './tiers';

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
  /**
   * Image repository, without tag or digest (the environment pins the version).
   * @default - `<environment registry>/<component name>`
   */
  readonly image?: string;
}

/** The STOA platform components, in the order they are listed in output. */
export const STOA_COMPONENTS: Readonly<Record<string, ComponentSpec>> = {
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

/** Names of the STOA platform components. */
export const STOA_COMPONENT_NAMES: readonly string[] = Object.keys(STOA_COMPONENTS);

/** The component whose image every tenant gateway runs (at the environment's version of it). */
export const GATEWAY_COMPONENT = 'stoa-gateway';

/** A component name: a DNS label (it names a Deployment, an Application and a folder). */
const COMPONENT_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/**
 * The platform components an environment can run: the STOA ones, plus any a team adds
 * (in code with {@link ComponentCatalog.with}, or in an environment file's `extraComponents`).
 * Immutable: `with` returns a new catalog. Order is the order components were added.
 */
export class ComponentCatalog {
  /** The STOA platform components. */
  public static stoa(): ComponentCatalog {
    return new ComponentCatalog(Object.entries(STOA_COMPONENTS));
  }

  private readonly specs: ReadonlyMap<string, ComponentSpec>;

  private constructor(entries: ReadonlyArray<readonly [string, ComponentSpec]>) {
    this.specs = new Map(entries);
  }

  /** Component names, in the order they were added. */
  public get names(): readonly string[] {
    return [...this.specs.keys()];
  }

  /** Whether the catalog has `name`. */
  public has(name: string): boolean {
    return this.specs.has(name);
  }

  /** The spec of `name`; throws naming the known components when there is none. */
  public spec(name: string): ComponentSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown platform component "${name}": the catalog has ${this.names.join(', ')}`);
    return spec;
  }

  /**
   * This catalog and `name`. Throws when `name` is not a DNS label of at most 40 characters,
   * is already in the catalog, or its host prefix is another component's.
   */
  public with(name: string, spec: ComponentSpec): ComponentCatalog {
    const problem = this.problemWith(name, spec);
    if (problem) throw new Error(`platform component "${name}": ${problem}`);
    return new ComponentCatalog([...this.specs, [name, spec]]);
  }

  /** Why {@link ComponentCatalog.with} would refuse `name`, or undefined. */
  public problemWith(name: string, spec: Pick<ComponentSpec, 'hostPrefix'>): string | undefined {
    if (!COMPONENT_NAME.test(name)) return 'the name must be a DNS label of at most 40 characters (a-z, 0-9, "-")';
    if (this.specs.has(name)) return 'is already in the catalog';
    const holder = [...this.specs].find(([, s]) => s.hostPrefix === spec.hostPrefix);
    if (holder) return `host prefix "${spec.hostPrefix}" is already ${holder[0]}'s`;
    return undefined;
  }
}
