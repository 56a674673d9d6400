// Compiles lib/ and imports/ into build/ as JavaScript only: TypeScript's transpileModule on each file
// with the options of tsconfig.build.json, which writes the same JavaScript as tsc (isolatedModules
// holds: no file's output depends on another's types), without type checking or declarations, several
// times faster than `npm run build`. `npm ci` runs it (the prepare script): a fresh clone can
// `npm run synth` at once. bin/stoa-manifests.js runs update() when sources changed since the build:
// only those are compiled again. Type errors are `npm test`'s (tsc --noEmit); declarations and the API
// reports are `npm run build`'s (api-check, prepack).
//
//   node scripts/transpile-build.js          build/ from the sources as they are, unless it is current
//   node scripts/transpile-build.js --all    everything again, into an emptied build/
'use strict';
const fs = require('fs');
const path = require('path');
const { BUILD, ROOT, buildIsCurrent, changesSinceBuild, takeStamp, writeStamp } = require('./build-stamp');

function compiler() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript');
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  if (path.resolve(parsed.options.outDir) !== BUILD || path.resolve(parsed.options.rootDir) !== ROOT) {
    throw new Error('tsconfig.build.json no longer compiles . into build/: run npm run build');
  }
  const options = { ...parsed.options, declaration: false, declarationMap: false, sourceMap: false, inlineSourceMap: false, noEmit: false };
  return { ts, options };
}

const isSource = (rel) => rel.endsWith('.ts') && !rel.endsWith('.d.ts');
const output = (rel, ext) => path.join(BUILD, rel.replace(/\.ts$/, ext));

/** Compiles `files` (paths relative to the root) from `contents` (their bytes as stamped) into build/; throws on syntax errors. */
function compile(files, contents) {
  const { ts, options } = compiler();
  const errors = [];
  for (const rel of files.filter(isSource)) {
    const fileName = path.join(ROOT, rel);
    const result = ts.transpileModule(contents.get(rel).toString('utf8'), { compilerOptions: options, fileName, reportDiagnostics: true });
    for (const d of result.diagnostics ?? []) {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      errors.push(`${rel}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    if (errors.length > 0) continue;
    const out = output(rel, '.js');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    // A declaration from an earlier full build would describe the old source.
    fs.rmSync(output(rel, '.d.ts'), { force: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, result.outputText);
    fs.renameSync(tmp, out);
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
}

/** Everything again, into an emptied build/. Returns how many sources were compiled. */
function transpileAll() {
  const stamp = takeStamp();
  if (!stamp) throw new Error('no sources in lib/ to compile');
  fs.rmSync(BUILD, { recursive: true, force: true });
  const files = [...stamp.contents.keys()];
  compile(files, stamp.contents);
  writeStamp(stamp.text);
  return files.filter(isSource).length;
}

/**
 * Compiles the sources changed since the last build (and removes what removed ones compiled to).
 * Returns the paths compiled, or undefined when it cannot (no build to update, or a compiler setting
 * changed: everything must be compiled again).
 */
function update() {
  const changes = changesSinceBuild();
  if (!changes || changes.config) return undefined;
  compile(changes.changed, changes.stamp.contents);
  for (const rel of changes.removed) {
    fs.rmSync(output(rel, '.js'), { force: true });
    fs.rmSync(output(rel, '.d.ts'), { force: true });
  }
  writeStamp(changes.stamp.text);
  return [...changes.changed, ...changes.removed];
}

module.exports = { transpileAll, update };

if (require.main === module) {
  const started = Date.now();
  try {
    if (process.argv[2] !== '--all' && buildIsCurrent()) {
      console.log('build/ is compiled from the current sources');
    } else {
      const updated = process.argv[2] === '--all' ? undefined : update();
      const what = updated ? `${updated.length} changed source${updated.length === 1 ? '' : 's'}` : `${transpileAll()} sources`;
      console.log(`compiled ${what} into build/ in ${((Date.now() - started) / 1000).toFixed(1)} s (JavaScript only: npm run build also checks types and writes declarations)`);
    }
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}
