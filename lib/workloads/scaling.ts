/** Options of {@link Scaling.autoscaled}. */
export interface AutoscaledOptions {
  /** Fewest replicas. */
  readonly min: number;
  /** Most replicas. */
  readonly max: number;
  /**
   * Average CPU utilization (percent of requests) the autoscaler aims for.
   * @default 70
   */
  readonly targetCpuPercent?: number;
}

/** Options of {@link Scaling.keda}. */
export interface KedaOptions extends AutoscaledOptions {
  /**
   * Prometheus trigger: scale on the request rate of the workload's Service.
   * @default - CPU only
   */
  readonly prometheus?: {
    /** Prometheus server URL. */
    readonly serverAddress: string;
    /** PromQL query returning one number, e.g. requests per second. */
    readonly query: string;
    /** Value of the query per replica. */
    readonly threshold: number;
  };
}

/** Who owns a workload's replica count. */
export enum ScalingEngine {
  /** Git: a fixed count. */
  FIXED = 'fixed',
  /** A HorizontalPodAutoscaler on CPU. */
  HPA = 'hpa',
  /** A KEDA ScaledObject (which runs its own HPA). */
  KEDA = 'keda',
}

/** How many replicas a workload runs, and what decides. Use the static factories. */
export class Scaling {
  /** Exactly `replicas` replicas, set in git. */
  public static fixed(replicas: number): Scaling {
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`fixed replicas must be a whole number of at least 1 (got ${replicas})`);
    }
    return new Scaling(ScalingEngine.FIXED, replicas, replicas, undefined, undefined);
  }

  /** Between `min` and `max` replicas, chosen by a HorizontalPodAutoscaler on CPU. */
  public static autoscaled(options: AutoscaledOptions): Scaling {
    return new Scaling(ScalingEngine.HPA, ...checkRange(options), undefined);
  }

  /**
   * Between `min` and `max` replicas, chosen by a KEDA ScaledObject on CPU and,
   * optionally, a Prometheus query. Never combined with an HPA.
   */
  public static keda(options: KedaOptions): Scaling {
    if (options.prometheus && !(options.prometheus.threshold > 0)) {
      throw new Error(`the Prometheus trigger's threshold must be greater than 0 (got ${options.prometheus.threshold})`);
    }
    return new Scaling(ScalingEngine.KEDA, ...checkRange(options), options.prometheus);
  }

  private constructor(
    /** What owns the replica count. */
    public readonly engine: ScalingEngine,
    /** Fewest replicas (the fixed count when not autoscaled). */
    public readonly min: number,
    /** Most replicas. */
    public readonly max: number,
    /** CPU target in percent when autoscaled. */
    public readonly targetCpuPercent: number | undefined,
    /** KEDA's Prometheus trigger, if any. */
    public readonly prometheus: KedaOptions['prometheus'],
  ) {}

  /** Whether an autoscaler, not git, owns the replica count. */
  public get isAutoscaled(): boolean {
    return this.engine !== ScalingEngine.FIXED;
  }
}

function checkRange(options: AutoscaledOptions): [number, number, number] {
  const { min, max } = options;
  const target = options.targetCpuPercent ?? 70;
  if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
    throw new Error(`autoscaling needs whole numbers with 1 <= min <= max (got min ${min}, max ${max})`);
  }
  if (!Number.isInteger(target) || target < 1 || target > 100) {
    throw new Error(`targetCpuPercent must be a whole number from 1 to 100 (got ${target})`);
  }
  return [min, max, target];
}
