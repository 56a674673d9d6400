// diff HEAD~1..HEAD of a project after a version bump in dev (a git repository is made of it),
// with the compiled library: prints the time of diffRefs + formatDiff and the report's size as
// JSON. diff renders the head commit's sources cold (it never reads a cache).
import * as path from 'path';
import { performance } from 'perf_hooks';
import type * as Cli from '../lib/cli';
import type * as Lib from '../lib';
import type * as Git from '../lib/git/git';

/* eslint-disable @typescript-eslint/no-require-imports */
const build = path.join(__dirname, '..', 'build', 'lib');
const { diffRefs, formatDiff, setImage } = require(path.join(build, 'cli')) as typeof Cli;
const { synth } = require(build) as typeof Lib;
const { git } = require(path.join(build, 'git', 'git')) as typeof Git;
/* eslint-enable @typescript-eslint/no-require-imports */

const dir = process.argv[2];
const identity = ['-c', 'user.name=bench', '-c', 'user.email=bench@stoa.example'];
git(dir, ['init', '--quiet', '--initial-branch=main']);
synth({ projectDir: dir, cache: true });
git(dir, ['add', '--all']);
git(dir, [...identity, 'commit', '--quiet', '-m', 'base']);
setImage({ projectDir: dir, environment: 'dev', component: 'stoa-gateway', version: '9.9.9' });
synth({ projectDir: dir, cache: true });
git(dir, ['add', '--all']);
git(dir, [...identity, 'commit', '--quiet', '-m', 'bump stoa-gateway in dev']);
const start = performance.now();
const result = diffRefs({ projectDir: dir, base: 'HEAD~1', head: 'HEAD' });
const report = formatDiff(result, 'markdown');
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ files: result.files, ms: Math.round(ms), reportKb: Math.round(report.length / 1024) }));
