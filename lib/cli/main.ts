// Entry of the `stoa-manifests` command.
import { CACHE_WARNING } from '../cache-entry';
import { buildProgram } from './program';

// A refused cache entry is said in the CLI's own voice (Node's default adds a --trace-warnings hint).
process.on('warning', (w) => {
  if (w.name === CACHE_WARNING) process.stderr.write(`stoa-manifests: warning: ${w.message}\n`);
});
const nodeDefault = process.listeners('warning').filter((l) => l.name === 'onWarning');
for (const l of nodeDefault) process.off('warning', l);
process.on('warning', (w) => {
  if (w.name !== CACHE_WARNING) for (const l of nodeDefault) l(w);
});

// A reader that stops early (`| head`, `| less` quit) closes the pipe: the rest of the output has no one to
// read it, which is no failure of the verb. End quietly, with the exit code the verb set so far.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

buildProgram().parse(process.argv);
