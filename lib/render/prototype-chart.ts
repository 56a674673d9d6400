import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

const PROTOTYPE = Symbol.for('stoa-manifests.PrototypeChart');

/**
 * A chart whose objects are never written: prototypes that other objects are
 * derived from (e.g. the Application an ApplicationSet template is made of).
 * Its constructs are still validated.
 */
export class PrototypeChart extends Chart {
  /** Whether `c` lives in a PrototypeChart. */
  public static contains(c: IConstruct): boolean {
    for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
      if (PROTOTYPE in s) return true;
    }
    return false;
  }

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    Object.defineProperty(this, PROTOTYPE, { value: true });
  }
}
