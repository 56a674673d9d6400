import * as fs from 'fs';
import * as path from 'path';
import { compareStrings } from './sort';

/** Every file under `dir`, as `/`-separated paths relative to it, sorted; none when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort(compareStrings);
}

/** `target` as messages show it: relative to `from` (with `/`) when inside it, else absolute. */
export function displayPath(from: string, target: string): string {
  const rel = path.relative(from, target);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : target;
}

/** Whether `target` is `dir` itself or inside it (compare real paths where links matter). */
export function isWithin(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
