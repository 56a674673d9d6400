'use strict';
// The package.json that `npm pack` ships: only the scripts that run from what the package ships.
// `prepack` strips the others (the tests, the build, the benchmark and their helpers are not in
// the tarball, so their scripts would point at nothing), keeping the original bytes beside it;
// `postpack` puts them back. npm runs postpack from the manifest it read before prepack.
//
//   node scripts/pack-manifest.js strip     # in prepack
//   node scripts/pack-manifest.js restore   # in postpack; also after a pack that was killed
const fs = require('fs');
const path = require('path');

const BACKUP = '.package.json.unpacked';

/**
 * The scripts of `scripts` that run from the shipped `files` alone and need nothing else: exactly
 * `node <shipped file>`. A script that acts on a project (`synth`, `check`, ...) belongs to the
 * project, which the package does not ship; anything else (jest, tsc, tsx, a file not shipped) goes.
 */
function packedScripts(scripts, files) {
  const shipped = (p) => files.some((f) => p === f || p.startsWith(`${f.replace(/\/$/, '')}/`));
  return Object.fromEntries(Object.entries(scripts).filter(([, command]) => {
    const words = command.trim().split(/\s+/);
    return words.length === 2 && words[0] === 'node' && shipped(words[1]);
  }));
}

/** Writes `text` to `file` through a temporary file and a rename: never half a package.json. */
function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function strip(dir) {
  const file = path.join(dir, 'package.json');
  const backup = path.join(dir, BACKUP);
  if (fs.existsSync(backup)) throw new Error(`${BACKUP} exists: an earlier pack did not finish. Run node scripts/pack-manifest.js restore, then pack again`);
  const text = fs.readFileSync(file, 'utf8');
  const manifest = JSON.parse(text);
  fs.writeFileSync(backup, text);
  writeAtomic(file, `${JSON.stringify({ ...manifest, scripts: packedScripts(manifest.scripts ?? {}, manifest.files ?? []) }, null, 2)}\n`);
}

function restore(dir) {
  const backup = path.join(dir, BACKUP);
  if (fs.existsSync(backup)) fs.renameSync(backup, path.join(dir, 'package.json'));
}

module.exports = { packedScripts, strip, restore, BACKUP };

if (require.main === module) {
  const verb = process.argv[2];
  const dir = path.resolve(__dirname, '..');
  if (verb === 'strip') strip(dir);
  else if (verb === 'restore') restore(dir);
  else {
    process.stderr.write('usage: node scripts/pack-manifest.js strip|restore\n');
    process.exitCode = 2;
  }
}
