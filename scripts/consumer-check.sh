#!/usr/bin/env bash
# Packs the library, installs the tarball into a new project (examples/consumer),
# compiles that project's own cdk8s app with tsc, synthesizes, and checks the output
# and the installed CLI. Run by .ci/run.
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

cp -r "$repo/examples/consumer" "$work/app"
cd "$work/app"
peers=$(node -p "const p=require('$repo/package.json'); ['cdk8s','cdk8s-plus-28','constructs','typescript','@types/node'].map(n=>n+'@'+p.devDependencies[n]).join(' ')")
# shellcheck disable=SC2086
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" $peers
npm run --silent build
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
JS
npx --no-install stoa-manifests validate dist
echo "consumer check passed"
