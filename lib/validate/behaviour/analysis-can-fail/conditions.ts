import { list } from '../../model/fields';

/*
 * Conditions: can a measurement fail, and what does no data measure?
 * Argo Rollouts (utils/evaluate): neither condition -> Successful; successCondition only -> Failed
 * when false; failureCondition only -> Successful when false; both -> Failed when the failure
 * condition holds, Successful when only the success condition holds, Inconclusive otherwise.
 */

/** The expression with expr-lang's word operators as symbols and without whitespace, for pattern matching. */
function normalize(expression: string): string {
  return expression
    .replace(/\bor\b/g, '||')
    .replace(/\band\b/g, '&&')
    .replace(/\bnot\s+/g, '!')
    .replace(/\s+/g, '');
}

/** Whether `text` is one parenthesised group, e.g. `(a||b)` but not `(a)||(b)`. */
function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/**
 * The top-level operands of `op` in a normalized expression, parentheses around an
 * operand removed and nested groups of the same operator flattened:
 * `(a||b)||c` gives a, b, c.
 */
function operands(expression: string, op: '||' | '&&'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === quote && expression[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === '\'') {
      quote = c;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && expression.startsWith(op, i)) {
      parts.push(expression.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(expression.slice(start));
  if (parts.length === 1) {
    const inner = unwrap(expression);
    return inner === expression ? [expression] : operands(inner, op);
  }
  return parts.flatMap((p) => operands(p, op));
}

/** `text` without the parentheses around all of it: `((a))` gives `a`. */
function unwrap(text: string): string {
  return isWrapped(text) ? unwrap(text.slice(1, -1)) : text;
}

/** Operands that hold when the query returns nothing (an empty vector) or NaN (0/0 without requests). */
const NO_DATA = [
  /^len\(result\)(==0|<1|<=0)$/,
  /^0==len\(result\)$/,
  /^!\(len\(result\)>0\)$/,
  /^isNaN\(result(\[0\])?\)$/,
  /^(result==nil|nil==result)$/,
  /^true$/,
];

/** Operands that are false when the query returns nothing or NaN: a guard in front of a comparison. */
const HAS_DATA = [
  /^len\(result\)(>0|>=1|!=0)$/,
  /^!isNaN\(result(\[0\])?\)$/,
  /^(result!=nil|nil!=result)$/,
  /^false$/,
];

/** A default that stands in for missing data and passes, e.g. `(result[0] ?? 1) >= 0.99` or `?? true`. */
function passingDefault(operand: string): boolean {
  if (/\?\?true\b/.test(operand)) return true;
  const m = /^\(result(?:\[0\])?\?\?(-?[\d.]+)\)(>=|<=|==|!=|>|<)(-?[\d.]+)$/.exec(operand);
  if (!m) return false;
  const [value, op, bound] = [Number(m[1]), m[2], Number(m[3])];
  switch (op) {
    case '>=': return value >= bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    case '<': return value < bound;
    case '==': return value === bound;
    default: return value !== bound;
  }
}

/** The operand of `condition` that makes it true without data, if there is one. */
export function trueOnNoData(condition: string): string | undefined {
  return operands(normalize(condition), '||').find((o) => NO_DATA.some((p) => p.test(o)) || passingDefault(o));
}

/** Whether `condition` is false without data: one of its top-level `&&` operands is a has-data guard. */
export function falseOnNoData(condition: string): boolean {
  return operands(normalize(condition), '&&').some((o) => HAS_DATA.some((p) => p.test(o)));
}

/** An integer field (int or numeric string); undefined when absent or an unresolved `{{args.x}}`. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Whether a `dryRun` entry names the metric (Argo Rollouts accepts a regular expression, e.g. `.*`). */
export function inDryRun(dryRun: unknown, metric: string): boolean {
  return list(dryRun).some((d) => {
    if (typeof d?.metricName !== 'string') return false;
    if (d.metricName === metric) return true;
    try {
      return new RegExp(`^(?:${d.metricName})$`).test(metric);
    } catch {
      return false;
    }
  });
}

/** Providers that decide success themselves (a Job's exit code, Kayenta's thresholds): no condition needed. */
const SELF_JUDGING_PROVIDERS = new Set(['job', 'kayenta']);

/** Why `metric` cannot fail, or why no data passes it; empty when it can fail. */
export function conditionProblems(metric: any, templateDryRun: unknown): string[] {
  const provider = Object.keys(metric?.provider ?? {})[0] ?? 'none';
  const success: string | undefined = typeof metric?.successCondition === 'string' && metric.successCondition.trim() !== '' ? metric.successCondition : undefined;
  const failure: string | undefined = typeof metric?.failureCondition === 'string' && metric.failureCondition.trim() !== '' ? metric.failureCondition : undefined;
  const problems: string[] = [];
  if (!SELF_JUDGING_PROVIDERS.has(provider)) {
    if (!success && !failure) {
      problems.push('has no successCondition and no failureCondition, so Argo Rollouts counts every measurement as Successful: add a failureCondition');
    }
    const noDataPasses = success ? trueOnNoData(success) : undefined;
    if (noDataPasses && !(failure && trueOnNoData(failure))) {
      problems.push(`successCondition "${success}" is true without data (${noDataPasses}), so a canary without traffic or metrics passes`
        + `${failure ? ' and the failureCondition does not fail it' : ''}: guard it (len(result) > 0 && !isNaN(result[0]) && ...) so no data is inconclusive, and add a failureCondition`);
    }
    if (!success && failure && falseOnNoData(failure)) {
      problems.push(`failureCondition "${failure}" is false without data and there is no successCondition, so no data counts as Successful: add a guarded successCondition so no data is inconclusive`);
    }
  }
  const failureLimit = integerOf(metric?.failureLimit);
  const count = integerOf(metric?.count);
  if (failureLimit !== undefined && failureLimit < 0) {
    problems.push(`failureLimit ${failureLimit} is negative: it is the number of failed measurements tolerated (default 0)`);
  } else if (failureLimit !== undefined && count !== undefined && count > 0 && failureLimit >= count) {
    problems.push(`failureLimit ${failureLimit} >= count ${count}: the metric fails only after more than ${failureLimit} failed measurements, so it can never fail`);
  }
  if (inDryRun(templateDryRun, metric?.name)) {
    problems.push('is in the template\'s dryRun, so its failure never aborts a rollout');
  }
  return problems;
}
