// The stamp of the sources a build was compiled from: `npm run build` writes it to build/source-stamp
// (write), bin/stoa-manifests.js compares it before running the compiled code (check). Plain
// JavaScript: it runs before anything is compiled.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'build', 'source-stamp');

function listTs(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(full));
    else if (e.isFile() && e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Hash of every TypeScript source the build compiles and its compiler settings; undefined in an installed package (no sources). */
function sourceStamp() {
  const files = [...listTs(path.join(ROOT, 'lib')), ...listTs(path.join(ROOT, 'imports'))];
  if (files.length === 0) return undefined;
  const hash = crypto.createHash('sha256');
  for (const f of [...files, path.join(ROOT, 'tsconfig.json'), path.join(ROOT, 'tsconfig.build.json')]) {
    hash.update(path.relative(ROOT, f)).update('\0');
    try {
      hash.update(fs.readFileSync(f));
    } catch {
      hash.update('missing');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Whether build/ was compiled from the sources as they are now (true in an installed package). */
function buildIsCurrent() {
  const now = sourceStamp();
  if (now === undefined) return fs.existsSync(path.join(ROOT, 'build', 'lib'));
  try {
    return fs.readFileSync(STAMP, 'utf8').trim() === now;
  } catch {
    return false;
  }
}

module.exports = { buildIsCurrent, sourceStamp };

if (require.main === module && process.argv[2] === 'write') {
  fs.writeFileSync(STAMP, `${sourceStamp()}\n`);
}
