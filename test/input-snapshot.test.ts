import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../lib/config/input-error';
import { snapshotInput } from '../lib/project/input-snapshot';
import { projectInput, projectOf } from '../lib/project/project';
import { RenderCache } from '../lib/project/render-cache';
import { exampleProject, tempDir, thrownMessage } from './helpers';
import { cacheEntries, forgeEntry } from './cache-entries';

/*
 * The input snapshot: with a cache, unchanged input files are not parsed or validated again; only the
 * changed ones are, and the checks across files still see every file. Problems are always reported
 * as a load of every file reports them.
 */

function setup() {
  const projectDir = exampleProject();
  const project = projectOf({ projectDir });
  const cache = new RenderCache(tempDir('stoa-cache-'));
  return { projectDir, project, cache };
}

/**
 * Changes, in the cache, the remembered value of the tenant `name` (as if it had been parsed from its
 * bytes with another display name): a load that takes the remembered value shows `displayName`.
 */
function tamperRemembered(cacheDir: string, name: string, displayName: string): void {
  const entries = cacheEntries(cacheDir).filter((e) => e.kind === 'input files');
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  entry.payload.remembered[`tenants/${name}.yaml`].value.displayName = displayName;
  forgeEntry(entry, entry.payload);
}

const displayNameOf = (input: ReturnType<typeof projectInput>, name: string) => input.tenants.find((t) => t.name === name)?.displayName;

const messageOf = (run: () => unknown) => thrownMessage(run, InputError);

test('after a change to one tenant file only that file is parsed again; the others are taken as remembered, by their bytes', () => {
  const { projectDir, project, cache } = setup();
  expect(snapshotInput(project, cache)).toEqual(projectInput(project));
  // What is remembered of globex stands for globex while its bytes stay the same.
  tamperRemembered(cache.dir, 'globex', 'Remembered Globex');

  const acme = path.join(projectDir, 'tenants', 'acme.yaml');
  const original = fs.readFileSync(acme, 'utf8');
  fs.writeFileSync(acme, original.replace(/^displayName: .*$/m, 'displayName: ACME Renamed'));
  const input = snapshotInput(project, cache);
  expect(displayNameOf(input, 'acme')).toBe('ACME Renamed');
  expect(displayNameOf(input, 'globex')).toBe('Remembered Globex');
  expect({ ...input, tenants: input.tenants.filter((t) => t.name !== 'globex') })
    .toEqual({ ...projectInput(project), tenants: projectInput(project).tenants.filter((t) => t.name !== 'globex') });

  // New bytes are parsed: globex changed (to what it was plus a comment) is read from its file.
  const globex = path.join(projectDir, 'tenants', 'globex.yaml');
  fs.writeFileSync(globex, `${fs.readFileSync(globex, 'utf8')}# reviewed\n`);
  fs.writeFileSync(acme, original);
  expect(snapshotInput(project, cache)).toEqual(projectInput(project));
});

test('a problem across files is reported exactly as a load of every file reports it, line numbers of unchanged files included', () => {
  const { projectDir, project, cache } = setup();
  snapshotInput(project, cache);
  // staging goes: the unchanged tenant files that name it are now wrong, at their environments line.
  const staging = path.join(projectDir, 'environments', 'staging.yaml');
  const prod = path.join(projectDir, 'environments', 'prod.yaml');
  fs.rmSync(staging);
  fs.writeFileSync(prod, fs.readFileSync(prod, 'utf8').replace(/promotedFrom: staging/, 'promotedFrom: dev'));
  const cached = messageOf(() => snapshotInput(project, cache));
  expect(cached).toBe(messageOf(() => projectInput(project)));
  expect(cached).toMatch(/tenants\/acme\.yaml:\d+/);
  expect(cached).toContain('staging');
});

test('a changed file that breaks a check across files (an unknown environment) is reported with its line, and never cached', () => {
  const { projectDir, project, cache } = setup();
  snapshotInput(project, cache);
  const globex = path.join(projectDir, 'tenants', 'globex.yaml');
  const original = fs.readFileSync(globex, 'utf8');
  fs.writeFileSync(globex, original.replace(/^environments: .*$/m, 'environments: [dev, qa]'));
  const cached = messageOf(() => snapshotInput(project, cache));
  expect(cached).toBe(messageOf(() => projectInput(project)));
  expect(cached).toMatch(/tenants\/globex\.yaml:\d+.*qa/s);
  // Still refused on the next run: the failed load left nothing behind that could stand in for it.
  expect(messageOf(() => snapshotInput(project, cache))).toBe(cached);
  fs.writeFileSync(globex, original);
  expect(snapshotInput(project, cache)).toEqual(projectInput(project));
});
