/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`, `16`) as exact integers.
 *
 * A quantity is kept as a `bigint` count of nano-units (10^-9 of a core, of a byte, of a pod), the finest
 * precision Kubernetes keeps: sums and comparisons are then exact, as in the API server. The npm packages
 * that parse quantities (kubernetes-resource-parser, k8s-resource-parser) return floats, so this is ours.
 */

/** Nano-units in one unit (one core, one byte, one pod). */
export const NANO_PER_UNIT = 1_000_000_000n;

const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENTS: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
// The API server caps a binary-suffixed quantity at 2^63-1 ("8Ei" parses as 2^63-1).
const MAX_BINARY = (2n ** 63n - 1n) * NANO_PER_UNIT;
// <sign><digits>.<digits><suffix>, the grammar of k8s.io/apimachinery's resource.Quantity.
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*|[eE][+-]?[0-9]+)$/;

/** Thrown for text that is not a Kubernetes quantity. */
export class QuantityError extends Error {
  constructor(text: string) {
    super(`"${text}" is not a Kubernetes quantity`);
    this.name = 'QuantityError';
  }
}

/**
 * The value of a quantity in nano-units, exactly. A finer non-zero value is rounded away from zero
 * to 1n, as the API server does. YAML numbers (`pods: 40`) are accepted too.
 */
export function parseQuantity(input: string | number): bigint {
  const text = typeof input === 'number' ? numberText(input) : input;
  const match = QUANTITY.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new QuantityError(text);
  const [, sign, whole, fraction = '', suffix] = match;
  const { base10, base2 } = exponentsOf(suffix, text);
  const digits = BigInt(`${whole}${fraction}` || '0');
  let nanos = scaleByPowerOf10(digits * 2n ** BigInt(base2), base10 - fraction.length + 9);
  if (base2 > 0 && nanos > MAX_BINARY) nanos = MAX_BINARY;
  return sign === '-' ? -nanos : nanos;
}

/** Like {@link parseQuantity}, but `undefined` for a missing or malformed value (rules also see invalid objects). */
export function tryParseQuantity(input: unknown): bigint | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/**
 * A quantity for people, exact: `binary` uses the largest of Ki..Ei that divides it (memory), else
 * a plain number when whole, else m, u or n (`26`, `100m`, `1536Mi`).
 */
export function formatQuantity(nanos: bigint, style: 'decimal' | 'binary' = 'decimal'): string {
  const magnitude = nanos < 0n ? -nanos : nanos;
  const sign = nanos < 0n ? '-' : '';
  const candidates: Array<[string, bigint]> = [
    ...(style === 'binary' ? Object.entries(BINARY_EXPONENTS).reverse().map(([s, e]): [string, bigint] => [s, 2n ** BigInt(e) * NANO_PER_UNIT]) : []),
    ['', NANO_PER_UNIT], ['m', 1_000_000n], ['u', 1_000n], ['n', 1n],
  ];
  if (magnitude === 0n) return '0';
  const [suffix, unit] = candidates.find(([, u]) => magnitude % u === 0n)!;
  return `${sign}${magnitude / unit}${suffix}`;
}

/** The power of 10 and of 2 a suffix stands for. */
function exponentsOf(suffix: string, text: string): { base10: number; base2: number } {
  if (suffix in BINARY_EXPONENTS) return { base10: 0, base2: BINARY_EXPONENTS[suffix] };
  if (suffix in DECIMAL_EXPONENTS) return { base10: DECIMAL_EXPONENTS[suffix], base2: 0 };
  // `E` alone is exa (above); `e3`, `E-2`, `e+6` are exponents.
  if (/^[eE][+-]?[0-9]+$/.test(suffix)) return { base10: Number(suffix.slice(1)), base2: 0 };
  throw new QuantityError(text);
}

/** value x 10^exponent, a fractional result rounded away from zero. */
function scaleByPowerOf10(value: bigint, exponent: number): bigint {
  if (exponent >= 0) return value * 10n ** BigInt(exponent);
  const divisor = 10n ** BigInt(-exponent);
  return (value + divisor - 1n) / divisor;
}

/** A JavaScript number as quantity text (`1e+21` is valid quantity syntax). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(String(n));
  return String(n);
}
