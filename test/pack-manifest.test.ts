import * as fs from 'fs';
import * as path from 'path';
import { REPO, tempDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packedScripts, strip, restore, BACKUP } = require('../scripts/pack-manifest.js');

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('the packed package.json keeps only scripts that run from what the package ships', () => {
  const kept = packedScripts(manifest.scripts, manifest.files) as Record<string, string>;
  // synth, check, validate act on a project, which a package does not ship: only the CLI itself stays.
  expect(Object.keys(kept).sort()).toEqual(['cli']);
  for (const command of Object.values(kept)) {
    for (const file of command.split(/\s+/).filter((w) => w.includes('/'))) {
      expect(fs.existsSync(path.join(REPO, file))).toBe(true);
      expect(manifest.files.some((f: string) => file.startsWith(`${f}/`))).toBe(true);
    }
  }
  // Each dropped script points at something the tarball lacks, or runs a development tool.
  expect(packedScripts({ a: 'node scripts/x.js', b: 'tsx bin/x.ts', c: 'node bin/x.js && rm -rf /', d: 'node bin/x.js', e: 'node bin/x.js synth' }, ['bin'])).toEqual({ d: 'node bin/x.js' });
});

test('strip and restore: the original bytes come back, and a pack that did not finish is refused until restored', () => {
  const dir = tempDir();
  const text = `${JSON.stringify({ name: 'p', files: ['bin'], scripts: { test: 'jest', cli: 'node bin/cli.js' } }, null, 2)}\n  `;
  fs.writeFileSync(path.join(dir, 'package.json'), text);
  strip(dir);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts).toEqual({ cli: 'node bin/cli.js' });
  expect(() => strip(dir)).toThrow(`${BACKUP} exists: an earlier pack did not finish`);
  restore(dir);
  expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(text);
  expect(fs.existsSync(path.join(dir, BACKUP))).toBe(false);
  restore(dir);
  expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(text);
});
