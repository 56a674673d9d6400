// The app cdk8s runs (`npx cdk8s synth`, see cdk8s.yaml); `npm run synth` runs the same command
// (bin/stoa-manifests.js).
// cdk8s empties its own output folder (CDK8S_OUTDIR, `.cdk8s.out`) before the
// app starts, so dist/ is written by synth itself, all or nothing; cdk8s's folder
// gets a copy to list (and for any cdk8s validation plugin).
import { synthCommand } from './lib/cli/commands';

process.exitCode = synthCommand({ project: process.cwd(), copyTo: process.env.CDK8S_OUTDIR });
