import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { guardPlainAppSynth } from './plain-app-guard';

/** Props of {@link ManifestChart}. */
export interface ManifestChartProps extends ChartProps {
  /**
   * Folder, relative to `dist/`, that this chart's objects are written to
   * (e.g. `dev/tenants/acme`). One folder is one Argo CD Application's source path.
   */
  readonly outputPath: string;
}

/**
 * A chart that knows where its objects go in `dist/`. Every object the app
 * renders must belong to exactly one ManifestChart.
 */
export class ManifestChart extends Chart {
  /** Whether `x` is a ManifestChart (works across copies of this library). */
  public static isManifestChart(x: unknown): x is ManifestChart {
    return typeof x === 'object' && x !== null && MANIFEST_CHART in x;
  }

  /** The nearest ManifestChart that holds `c`; throws when there is none. */
  public static of(c: IConstruct): ManifestChart {
    for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
      if (ManifestChart.isManifestChart(s)) return s;
    }
    throw new Error(`${c.node.path} is not inside a ManifestChart, so it has no folder in dist/`);
  }

  /** Folder, relative to `dist/`, that this chart's objects are written to. */
  public readonly outputPath: string;

  constructor(scope: Construct, id: string, props: ManifestChartProps) {
    // Names are always given explicitly; no hash suffixes even for a forgotten one.
    super(scope, id, { disableResourceNameHashes: true, ...props });
    if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(props.outputPath)) {
      throw new Error(`outputPath "${props.outputPath}" must be a relative folder of lowercase segments, e.g. "dev/tenants/acme"`);
    }
    this.outputPath = props.outputPath;
    Object.defineProperty(this, MANIFEST_CHART, { value: true });
    guardPlainAppSynth(this);
  }
}

const MANIFEST_CHART = Symbol.for('stoa-manifests.ManifestChart');
