// Entry of the `stoa-manifests` command.
import { buildProgram } from './program';

buildProgram().parse(process.argv);
