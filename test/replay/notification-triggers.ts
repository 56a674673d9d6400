import { parse } from 'yaml';

/*
 * Argo CD notifications triggers (argocd-notifications-cm `trigger.<name>`) evaluated as the
 * notifications controller (notifications-engine) does: each condition's `when` is an expr-lang
 * expression over `app`; a condition without `oncePer` sends on each rise from false to true, one
 * with `oncePer` sends once per value of that expression, ever. An expression that fails (a field
 * of nil) does not send.
 *
 * The expressions are translated to JavaScript token by token. Only the expr-lang this library writes
 * is understood (member access, ?., ==, !=, >=, <=, >, <, and, or, not, in [list], nil, strings,
 * numbers, time.Now(), time.Parse(), Sub(), Minutes()); anything else throws, so a new trigger that
 * uses more of the language fails its test loudly instead of being read wrong.
 */

const TOKEN = /'(?:[^'\\]|\\.)*'|\?\.|==|!=|>=|<=|[()[\],.<>]|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\s+/y;
const KEYWORDS: Record<string, string> = { and: '&&', or: '||', not: '!', nil: 'null', true: 'true', false: 'false' };
const GLOBALS = new Set(['app', 'time']);

/** The expr-lang expression `expr` as a JavaScript expression over `app` and `time`. */
export function exprToJs(expr: string): string {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m) throw new Error(`expr: cannot read "${expr.slice(at, at + 20)}" in ${expr}`);
    if (!/^\s+$/.test(m[0])) tokens.push(m[0]);
  }
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const afterDot = i > 0 && (tokens[i - 1] === '.' || tokens[i - 1] === '?.');
    if (t === 'in') {
      // `<member chain> in [list]` -> `[list].includes(<member chain>)`
      let start = out.length - 1;
      while (start > 0 && (out[start - 1] === '.' || out[start - 1] === '?.')) start -= 2;
      const chain = out.splice(start).join('');
      if (tokens[i + 1] !== '[') throw new Error(`expr: "in" must be followed by a list in ${expr}`);
      const close = tokens.indexOf(']', i + 1);
      out.push(`${tokens.slice(i + 1, close + 1).join('')}.includes(${chain})`);
      i = close;
    } else if (/^[A-Za-z_]/.test(t) && !afterDot) {
      if (KEYWORDS[t] !== undefined) out.push(KEYWORDS[t]);
      else if (GLOBALS.has(t)) out.push(t);
      else throw new Error(`expr: unknown name "${t}" in ${expr}`);
    } else {
      out.push(t);
    }
  }
  return out.join(' ').replace(/ (\.|\?\.) /g, '$1').replace(/ \( /g, '(').replace(/ \)/g, ')').replace(/\( /g, '(');
}

/** Evaluates `expr` on `app` at `now` (ms); undefined when it fails as expr-lang would (a field of nil). */
export function evaluate(expr: string, app: unknown, now: number): unknown {
  const time = {
    Now: () => ({ Sub: (t: number) => ({ Minutes: () => (now - t) / 60_000 }) }),
    Parse: (s: string) => Date.parse(s),
  };
  try {
    return new Function('app', 'time', `return (${exprToJs(expr)});`)(app, time);
  } catch (e) {
    if (e instanceof TypeError) return undefined;
    throw e;
  }
}

/** One condition of a trigger. */
export interface TriggerCondition { readonly when: string; readonly oncePer?: string; readonly send: readonly string[] }

/** The triggers of an argocd-notifications-cm `data`, by name. */
export function triggersOf(data: Record<string, string>): Map<string, TriggerCondition[]> {
  return new Map(Object.entries(data).filter(([k]) => k.startsWith('trigger.')).map(([k, v]) => [k.slice('trigger.'.length), parse(v) as TriggerCondition[]]));
}

/** The subscriptions of an Application: trigger, service, recipient. */
export function subscriptionsOf(app: any): Array<{ trigger: string; service: string; recipient: string }> {
  return Object.entries(app.metadata?.annotations ?? {})
    .filter(([k]) => k.startsWith('notifications.argoproj.io/subscribe.'))
    .map(([k, recipient]) => {
      const [trigger, service] = k.slice('notifications.argoproj.io/subscribe.'.length).split('.');
      return { trigger, service, recipient: String(recipient) };
    });
}
