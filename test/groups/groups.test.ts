import * as fs from 'fs';
import * as path from 'path';
import { groups, GROUPS, testModules } from './modules';

// Jest runs only test/groups/*.test.ts (jest.config.js): a test module in no group would never run.
test('every test module is in exactly one group, and every group has its jest file', () => {
  const all = groups();
  expect(all).toHaveLength(GROUPS);
  expect(all.flat().sort()).toEqual(testModules());
  const files = fs.readdirSync(__dirname).filter((f) => /^group-\d+\.test\.ts$/.test(f)).sort();
  expect(files).toEqual(all.map((_, i) => `group-${i + 1}.test.ts`).sort());
  all.forEach((_, i) => {
    expect(fs.readFileSync(path.join(__dirname, `group-${i + 1}.test.ts`), 'utf8')).toMatch(new RegExp(`^runGroup\\(${i}\\);$`, 'm'));
  });
});
