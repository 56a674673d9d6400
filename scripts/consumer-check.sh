#!/usr/bin/env bash
# Packs the library, installs the tarball into a new project (examples/consumer), compiles
# that project's own code with the lowest and the highest TypeScript the package supports
# (its peerDependencies range), synthesizes, and checks the output, the installed CLI, the
# `stoa-manifests/cli` entry point (types and runtime) and that internals cannot be
# deep-imported. Run by .ci/run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$repo"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball: $(tar -tzf "$work/$tarball" | wc -l) files"
if tar -tzf "$work/$tarball" | grep -Eq '^package/(test|lib|dist|node_modules)/'; then
  echo "the tarball holds files consumers do not need:" >&2
  tar -tzf "$work/$tarball" | grep -E '^package/(test|lib|dist|node_modules)/' | head >&2
  exit 1
fi

# The supported TypeScript range (peerDependencies): its oldest and its newest release.
ts_range=$(node -p "require('$repo/package.json').peerDependencies.typescript")
read -r ts_lowest ts_highest < <(npm view "typescript@$ts_range" version --json \
  | node -e "const s=require('$repo/node_modules/semver'); const v=s.sort([].concat(JSON.parse(require('fs').readFileSync(0,'utf8')))); console.log(v[0], v[v.length-1])")

cp -r "$repo/examples/consumer" "$work/app"
cd "$work/app"
peers=$(node -p "const p=require('$repo/package.json'); ['cdk8s','cdk8s-plus-28','constructs','@types/node'].map(n=>n+'@'+p.devDependencies[n]).join(' ')")
# shellcheck disable=SC2086
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" $peers "typescript@$ts_lowest"
tsc_version() { node -p "require('typescript/package.json').version"; }
npx --no-install tsc -p . --noEmit
echo "compiled with TypeScript $(tsc_version), the oldest of $ts_range"
npm install --no-audit --no-fund --loglevel=error --no-save "typescript@$ts_highest"
npm run --silent build
# The example resolves modules as node10 (through typesVersions); node16 reads the exports map.
npx --no-install tsc -p . --noEmit --module node16 --moduleResolution node16
echo "compiled with TypeScript $(tsc_version), the newest of $ts_range (module resolution node10 and node16)"
npm run --silent synth

node - <<'JS'
const fs = require('fs');
const { parse } = require('yaml');
const read = (f) => parse(fs.readFileSync(`dist/${f}`, 'utf8'));
const fail = (m) => { console.error(`consumer check failed: ${m}`); process.exit(1); };
const deployment = read('qa/tenants/umbrella/deployment-gateway.yaml');
if (deployment.spec.template.spec.containers[0].image !== 'ghcr.io/stoa-platform/stoa-gateway:1.9.0') fail('tenant gateway image');
const app = read('qa/apps/application-qa-tenant-umbrella.yaml');
if (app.spec.source.path !== 'qa/tenants/umbrella') fail('application source path');
if (!app.spec.syncPolicy.automated || app.spec.ignoreDifferences?.[0]?.jsonPointers?.[0] !== '/spec/replicas') fail('sync policy or ignoreDifferences');
if (read('qa/edge/deployment-gateway.yaml').spec.replicas !== 2) fail('standalone gateway');
if (!fs.existsSync('dist/qa/bootstrap/application-qa-root.yaml')) fail('app-of-apps root');
console.log('consumer output checked');

// The package's entry points: the root and stoa-manifests/cli resolve, internals do not.
const root = require('stoa-manifests');
const cli = require('stoa-manifests/cli');
for (const name of ['StoaApp', 'Environment', 'Tenant', 'synth', 'validateFolder']) if (typeof root[name] !== 'function') fail(`stoa-manifests exports no ${name}`);
for (const name of ['buildProgram', 'addTenant', 'setImage', 'promote', 'diffRefs', 'publish', 'WorkflowError']) if (typeof cli[name] !== 'function') fail(`stoa-manifests/cli exports no ${name}`);
for (const name of ['git', 'promote', 'listFiles', 'replaceFolder']) if (name in root) fail(`stoa-manifests exports the internal ${name}`);
for (const internal of ['stoa-manifests/build/lib/git/git', 'stoa-manifests/build/lib/index.js', 'stoa-manifests/lib/index']) {
  let resolved;
  try { resolved = require.resolve(internal); } catch (e) {
    if (e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') fail(`${internal}: ${e.code} instead of ERR_PACKAGE_PATH_NOT_EXPORTED`);
  }
  if (resolved) fail(`a consumer can deep-import ${internal} (${resolved}): the exports map must block it`);
}
console.log('entry points checked: stoa-manifests, stoa-manifests/cli; deep imports refused');
JS
node --input-type=module -e "import { promote } from 'stoa-manifests/cli'; import { Tenant } from 'stoa-manifests'; if (typeof promote !== 'function' || typeof Tenant !== 'function') process.exit(1);"

# A verb called as a function from the consumer's own code (onboard.ts) on a project checkout.
mkdir "$work/project"
cp -r "$repo/environments" "$repo/tenants" "$work/project/"
node build/onboard.js "$work/project" umbrella
test -f "$work/project/tenants/umbrella.yaml" && test -d "$work/project/dist/dev/tenants/umbrella" \
  || { echo "consumer check failed: onboard.js did not add and render the tenant" >&2; exit 1; }

npx --no-install stoa-manifests validate dist

# A second app that extends the library at every extension point (examples/extension), built with
# the newest TypeScript of the range against the same installed tarball, synthesized by its plain
# app.synth(); its output is validated again by the installed CLI.
cp -r "$repo/examples/extension" "$work/extension"
ln -s "$work/app/node_modules" "$work/extension/node_modules"
cd "$work/extension"
npm run --silent build
npm run --silent synth
node - <<'JS'
const fs = require('fs');
const { parse } = require('yaml');
const read = (f) => parse(fs.readFileSync(`dist/${f}`, 'utf8'));
const fail = (m) => { console.error(`extension check failed: ${m}`); process.exit(1); };
// A component added in code (billing) and one added in the environment file (ledger).
if (read('qa/platform/billing/deployment-billing.yaml').spec.template.spec.containers[0].image !== 'ghcr.io/stoa-platform/billing:3.1.0') fail('billing image');
if (read('qa/platform/ledger/deployment-ledger.yaml').spec.template.spec.containers[0].image !== 'registry.example.com/acme/ledger:0.4.2') fail('ledger image');
if (read('qa/apps/application-qa-ledger.yaml').spec.source.path !== 'qa/platform/ledger') fail('ledger Application');
// A tenant chart holding a ClusterRole its widened project names.
if (read('qa/tenants/umbrella/clusterrole-umbrella-metrics-reader.yaml').kind !== 'ClusterRole') fail('tenant ClusterRole');
const whitelist = read('qa/apps/appproject-qa-tenant-umbrella.yaml').spec.clusterResourceWhitelist;
if (!whitelist.some((k) => k.kind === 'ClusterRole' && k.name === 'umbrella-metrics-reader')) fail('widened tenant project');
// A tenant in the team's own environment construct, with its Application in that environment's app-of-apps.
if (read('lab/apps/application-lab-tenant-wayne.yaml').spec.source.path !== 'lab/tenants/wayne') fail('lab tenant Application');
if (!fs.existsSync('dist/lab/bootstrap/application-lab-root.yaml')) fail('lab app-of-apps root');
console.log('extension output checked');
JS
# From outside the project: the CLI reads no environment files (it does not know the app's catalog),
# so it is told the clusters' Kubernetes version (qa runs 1.30: its admission policies are served).
(cd "$work" && "$work/app/node_modules/.bin/stoa-manifests" validate --kubernetes-version 1.30 extension/dist)
echo "consumer check passed"
