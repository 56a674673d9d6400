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

/** How many replicas a workload runs. Use the static factories. */
export class Scaling {
  /** Exactly `replicas` replicas, set in git. */
  public static fixed(replicas: number): Scaling {
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`fixed replicas must be a whole number of at least 1 (got ${replicas})`);
    }
    return new Scaling(replicas, replicas, undefined);
  }

  /** Between `min` and `max` replicas, chosen by a HorizontalPodAutoscaler on CPU. */
  public static autoscaled(options: AutoscaledOptions): Scaling {
    const { min, max } = options;
    const target = options.targetCpuPercent ?? 70;
    if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
      throw new Error(`autoscaling needs whole numbers with 1 <= min <= max (got min ${min}, max ${max})`);
    }
    if (!Number.isInteger(target) || target < 1 || target > 100) {
      throw new Error(`targetCpuPercent must be a whole number from 1 to 100 (got ${target})`);
    }
    return new Scaling(min, max, target);
  }

  private constructor(
    /** Fewest replicas (the fixed count when not autoscaled). */
    public readonly min: number,
    /** Most replicas. */
    public readonly max: number,
    /** CPU target in percent when autoscaled; undefined for a fixed count. */
    public readonly targetCpuPercent: number | undefined,
  ) {}

  /** Whether an autoscaler, not git, owns the replica count. */
  public get isAutoscaled(): boolean {
    return this.targetCpuPercent !== undefined;
  }
}
