'use strict';
// Writes weights.json from the seconds a run recorded per module:
//   STOA_TEST_WEIGH=/tmp/weigh.txt npx jest && node test/groups/weigh.js /tmp/weigh.txt
// Modules the run did not see keep their weight; a module recorded more than once gets its mean.
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, 'weights.json');
const weights = JSON.parse(fs.readFileSync(file, 'utf8'));
const seen = new Map();
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)) {
  const [module, seconds] = line.split('\t');
  seen.set(module, [...(seen.get(module) ?? []), Number(seconds)]);
}
for (const [module, all] of seen) weights[module] = Math.round((all.reduce((a, b) => a + b, 0) / all.length) * 10) / 10;
const sorted = Object.fromEntries(Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : 1)));
fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`weights of ${seen.size} modules written to ${path.relative(process.cwd(), file)}`);
