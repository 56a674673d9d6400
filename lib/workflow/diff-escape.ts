/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides
 * as `\xNN` / `\u{N}` escapes: a name cannot break a line, steer a terminal or reorder what is shown.
 */
export function visible(s: string): string {
  return s.replace(/[\0-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/** Text for HTML: `& < > "` as entities. */
export function html(s: string): string {
  return visible(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text for Markdown (table cells included): HTML escaped, and the characters Markdown reads backslash-escaped. */
export function markdownText(s: string): string {
  return html(s).replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

/** A Markdown code span whose backtick fence is longer than any run of backticks in `s`. */
export function codeSpan(s: string): string {
  const v = visible(s);
  const fence = '`'.repeat(longestRun(v, '`') + 1);
  // A space keeps a leading or trailing backtick from joining the fence; Markdown strips it.
  const pad = v.startsWith('`') || v.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/** The longest run of `char` in `s`. */
export function longestRun(s: string, char: string): number {
  if (char === '') return 0;
  let longest = 0;
  // indexOf finds each run's start, a scan its end: no step per character outside the runs.
  for (let i = s.indexOf(char); i !== -1; i = s.indexOf(char, i)) {
    let end = i + char.length;
    while (s.startsWith(char, end)) end += char.length;
    longest = Math.max(longest, (end - i) / char.length);
    i = end;
  }
  return longest;
}

/** `s` as one shell word: single-quoted unless it is plain. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._\/~^@+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** How names and values are written in one report format. */
export interface Escaper {
  /** Whether the format is Markdown. */
  readonly md: boolean;
  /** A value in code: a Markdown code span, or plain with control characters made visible. */
  readonly code: (s: string) => string;
  /** Running text: Markdown-escaped, or plain with control characters made visible. */
  readonly text: (s: string) => string;
}

/** The {@link Escaper} of a format. */
export function escaperOf(format: 'markdown' | 'text'): Escaper {
  const md = format === 'markdown';
  return { md, code: md ? codeSpan : visible, text: md ? markdownText : visible };
}
