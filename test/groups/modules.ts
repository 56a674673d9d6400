import * as fs from 'fs';
import * as path from 'path';

/*
 * Jest runs the test modules (test/*.test.ts) in a few groups, one jest test file each
 * (test/groups/group-<n>.test.ts): jest loads the library, cdk8s and the validators again for every
 * test file, and compiles their hot code again, which cost more CPU than most modules' own tests
 * (the suite took about 30 % less CPU in two groups than in 64 files). A module's tests, hooks and
 * names are the same in a group: each module is a describe block named after it.
 *
 * Every module is in exactly one group, chosen here: the heaviest first, each into the group with
 * the least work so far, by the seconds of weights.json (a module not listed there counts 1 s).
 * GROUPS is the number of jest workers on a 2-core machine (jest.config.js: maxWorkers 100 %).
 */
export const GROUPS = 2;

const TEST_DIR = path.join(__dirname, '..');

/** Every test module, by name (test/<name>.test.ts). */
export function testModules(): string[] {
  return fs.readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length)).sort();
}

/** The modules of each group: `groups()[i]` for group-<i + 1>.test.ts. */
export function groups(): string[][] {
  const weights: Record<string, number> = JSON.parse(fs.readFileSync(path.join(__dirname, 'weights.json'), 'utf8'));
  const weight = (m: string) => weights[m] ?? 1;
  const out = Array.from({ length: GROUPS }, () => ({ seconds: 0, modules: [] as string[] }));
  for (const module of testModules().sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1))) {
    const lightest = out.reduce((best, g) => (g.seconds < best.seconds ? g : best));
    lightest.seconds += weight(module);
    lightest.modules.push(module);
  }
  return out.map((g) => g.modules.sort());
}

/**
 * Registers the modules of one group, each in a describe block of its name. The temp folders a
 * module makes while its tests run are removed when they end (those it makes as it loads, when the
 * file ends). With STOA_TEST_WEIGH=<file>, each module's seconds (loading and tests) are appended
 * to that file, for `node test/groups/weigh.js <file>` to write weights.json.
 */
export function runGroup(index: number): void {
  // Here, not at the top: groups.test.ts reads the groups without loading the library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { removeTempDirsAfter } = require('../helpers') as typeof import('../helpers');
  const weigh = process.env.STOA_TEST_WEIGH;
  for (const module of groups()[index]) {
    describe(module, () => {
      let removeTempDirs = () => undefined as void;
      let started = 0;
      beforeAll(() => {
        removeTempDirs = removeTempDirsAfter();
        started = performance.now();
      });
      const loading = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(TEST_DIR, `${module}.test`));
      const loaded = performance.now() - loading;
      afterAll(() => {
        removeTempDirs();
        if (weigh) fs.appendFileSync(weigh, `${module}\t${((loaded + performance.now() - started) / 1000).toFixed(2)}\n`);
      });
    });
  }
}
