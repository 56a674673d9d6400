// The stamp of the sources a build was compiled from, in build/source-stamp. `npm run build` takes it
// before tsc reads the sources (begin) and puts it in place once tsc succeeded (write);
// scripts/transpile-build.js (npm ci's prepare, and bin/stoa-manifests.js for the files changed since)
// writes it for what it compiles. bin/stoa-manifests.js compares it before running the compiled code.
// Plain JavaScript: it runs before anything is compiled.
//
// The stamp's first line is a hash of every source and compiler setting (path and bytes); its second
// a hash of their file system identity (size, mtime, ctime, inode), a shortcut: while every file has
// the identity it had when the stamp was taken (any write changes ctime), the bytes are not read
// again; otherwise they are, and only the bytes decide. Then one line per file: its hash and path.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const STAMP = path.join(BUILD, 'source-stamp');
const PENDING = path.join(BUILD, '.source-stamp.pending');
/** What the compiler reads besides the sources. */
const CONFIG = ['tsconfig.json', 'tsconfig.build.json'];

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

/** Paths (relative to the package root, `/`-separated) of every source the build compiles, then its settings. */
function sourceFiles() {
  const files = [...listTs(path.join(ROOT, 'lib')), ...listTs(path.join(ROOT, 'imports'))];
  if (files.length === 0) return undefined;
  return [...files.map((f) => path.relative(ROOT, f).split(path.sep).join('/')), ...CONFIG];
}

function identity(files) {
  const hash = crypto.createHash('sha256');
  for (const rel of files) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel), { bigint: true });
    } catch {
      st = undefined;
    }
    hash.update(st ? `${rel}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\n` : `${rel}\0missing\n`);
  }
  return hash.digest('hex');
}

/**
 * The stamp of the sources as they are now: `{ text, contents }`, contents mapping each path to its
 * bytes (what a compiler should compile, so that the stamp names exactly what was compiled); undefined
 * in an installed package (no sources). The identity is taken before the bytes are read: a file
 * written meanwhile no longer has it.
 */
function takeStamp() {
  const files = sourceFiles();
  if (files === undefined) return undefined;
  const id = identity(files);
  const hash = crypto.createHash('sha256');
  const contents = new Map();
  const lines = [];
  for (const rel of files) {
    let bytes;
    try {
      bytes = fs.readFileSync(path.join(ROOT, rel));
    } catch {
      bytes = undefined;
    }
    contents.set(rel, bytes);
    hash.update(rel).update('\0').update(bytes ?? 'missing').update('\0');
    lines.push(`${bytes ? crypto.createHash('sha256').update(bytes).digest('hex') : 'missing'} ${rel}`);
  }
  return { text: `${hash.digest('hex')}\nidentity ${id}\n${lines.join('\n')}\n`, contents };
}

function parseStamp(text) {
  const [hash, id, ...rest] = text.split('\n');
  const files = new Map();
  for (const line of rest) {
    const at = line.indexOf(' ');
    if (at > 0) files.set(line.slice(at + 1), line.slice(0, at));
  }
  return { hash, identity: id?.startsWith('identity ') ? id.slice('identity '.length) : undefined, files };
}

function readStamp() {
  try {
    return parseStamp(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether build/ was compiled from the sources as they are now (true in an installed package). */
function buildIsCurrent() {
  const files = sourceFiles();
  if (files === undefined) return fs.existsSync(path.join(BUILD, 'lib'));
  const stamp = readStamp();
  if (!stamp) return false;
  if (stamp.identity !== undefined && stamp.identity === identity(files)) return true;
  const now = takeStamp();
  if (now.text.split('\n', 1)[0] !== stamp.hash) return false;
  // Same bytes, other identity (a checkout rewrote them): note the new one, the next start reads no bytes.
  try {
    writeStamp(now.text);
  } catch {
    // A read-only build/ only costs the bytes next time.
  }
  return true;
}

/**
 * What changed since the build: `{ stamp, changed, removed, config }` (sources to compile again,
 * sources gone, whether a compiler setting changed), or undefined when there is no stamp to compare
 * with (or no sources).
 */
function changesSinceBuild() {
  const old = readStamp();
  const stamp = takeStamp();
  if (!old || !stamp) return undefined;
  const now = parseStamp(stamp.text);
  const changed = [];
  let config = false;
  for (const [rel, hash] of now.files) {
    if (old.files.get(rel) === hash) continue;
    if (CONFIG.includes(rel)) config = true;
    else changed.push(rel);
  }
  const removed = [...old.files.keys()].filter((rel) => !now.files.has(rel) && !CONFIG.includes(rel));
  return { stamp, changed, removed, config };
}
/** Puts `text` in place as the stamp of build/, atomically (a reader sees the old stamp or the new one). */
function writeStamp(text, file = STAMP) {
  fs.mkdirSync(BUILD, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

module.exports = { buildIsCurrent, takeStamp, changesSinceBuild, writeStamp, ROOT, BUILD };

if (require.main === module) {
  const verb = process.argv[2];
  if (verb === 'begin') {
    // Before the compiler reads the sources: a file changed while it runs then makes the stamp stale, never wrong.
    writeStamp(takeStamp().text, PENDING);
  } else if (verb === 'write') {
    if (fs.existsSync(PENDING)) fs.renameSync(PENDING, STAMP);
    else writeStamp(takeStamp().text);
  } else {
    process.stderr.write('usage: node scripts/build-stamp.js begin|write\n');
    process.exitCode = 2;
  }
}
