// diff HEAD~1..HEAD of a project after a version bump in dev (a git repository is made of it):
// prints the time of diffRefs + formatDiff and the size of the report as JSON.
import { performance } from 'perf_hooks';
import { diffRefs, formatDiff, setImage } from '../lib/cli';
import { git } from '../lib/git/git';
import { synth } from '../lib';

const dir = process.argv[2];
const identity = ['-c', 'user.name=bench', '-c', 'user.email=bench@stoa.example'];
git(dir, ['init', '--quiet', '--initial-branch=main']);
synth({ projectDir: dir });
git(dir, ['add', '--all']);
git(dir, [...identity, 'commit', '--quiet', '-m', 'base']);
setImage({ projectDir: dir, environment: 'dev', component: 'stoa-gateway', version: '9.9.9' });
synth({ projectDir: dir });
git(dir, ['add', '--all']);
git(dir, [...identity, 'commit', '--quiet', '-m', 'bump stoa-gateway in dev']);
const start = performance.now();
const result = diffRefs({ projectDir: dir, base: 'HEAD~1', head: 'HEAD' });
const report = formatDiff(result, 'markdown');
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ files: result.files, ms: Math.round(ms), reportKb: Math.round(report.length / 1024) }));
