/** What a canary's automatic analysis checks. */
export interface CanaryAnalysisOptions {
  /** Prometheus server URL the AnalysisTemplate queries. */
  readonly prometheusAddress: string;
  /**
   * Share of non-5xx responses the canary must keep, from 0 to 1.
   * @default 0.99
   */
  readonly successRate?: number;
  /**
   * Prometheus counter of the workload's HTTP responses, labelled `code`.
   * @default 'http_requests_total'
   */
  readonly metric?: string;
  /**
   * Requests the canary must have served in a measurement's 2-minute window for it to count;
   * below that the measurement is inconclusive.
   * @default 20
   */
  readonly minRequests?: number;
  /**
   * Inconclusive measurements tolerated before the Rollout pauses for a person.
   * @default 2
   */
  readonly inconclusiveLimit?: number;
  /**
   * How often the analysis measures.
   * @default '1m'
   */
  readonly interval?: string;
  /**
   * Failed measurements tolerated before the rollout is aborted and rolled back.
   * @default 2
   */
  readonly failureLimit?: number;
}

/** Options of `Delivery.canary()`. */
export interface CanaryOptions {
  /**
   * Traffic weights in percent, ascending, ending at 100.
   * @default [20, 50, 100]
   */
  readonly steps?: readonly number[];
  /**
   * Pause after each step below 100.
   * @default '5m'
   */
  readonly pause?: string;
  /** The analysis that rolls a failing canary back by itself. */
  readonly analysis: CanaryAnalysisOptions;
}

/** How a new version replaces the old one. Use the static factories. */
export class Delivery {
  /** A Deployment's rolling update: zero unavailable, 25% surge. */
  public static rolling(): Delivery {
    return new Delivery(undefined);
  }

  /**
   * An Argo Rollouts canary: traffic moves through `steps` with pauses while an
   * AnalysisTemplate checks the success rate in Prometheus; a failing analysis
   * aborts and rolls back.
   */
  public static canary(options: CanaryOptions): Delivery {
    const steps = [...(options.steps ?? [20, 50, 100])];
    const ascending = steps.every((s, i) => Number.isInteger(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1]));
    if (steps.length === 0 || !ascending || steps[steps.length - 1] !== 100) {
      throw new Error(`canary steps must be ascending whole percentages ending at 100 (got [${steps.join(', ')}])`);
    }
    const rate = options.analysis.successRate ?? 0.99;
    if (!(rate > 0 && rate <= 1)) throw new Error(`canary successRate must be in (0, 1] (got ${rate})`);
    return new Delivery({
      steps,
      pause: options.pause ?? '5m',
      analysis: {
        ...options.analysis,
        successRate: rate,
        metric: options.analysis.metric ?? 'http_requests_total',
        minRequests: options.analysis.minRequests ?? 20,
        inconclusiveLimit: options.analysis.inconclusiveLimit ?? 2,
        interval: options.analysis.interval ?? '1m',
        failureLimit: options.analysis.failureLimit ?? 2,
      },
    });
  }

  private constructor(
    /** Canary settings with defaults applied; undefined for a rolling update. */
    public readonly canary: (Required<Omit<CanaryOptions, 'analysis'>> & { readonly analysis: Required<CanaryAnalysisOptions> }) | undefined,
  ) {}

  /** Whether this is a canary (an Argo Rollouts Rollout instead of a Deployment). */
  public get isCanary(): boolean {
    return this.canary !== undefined;
  }
}
