// jest setupFiles: the tests load the schema validators through their code cache (in the run's own
// HOME, see jest.config.js), as the CLI's synth does; the library leaves it off unless asked
// (lib/validate/code-cache.ts). Without it every test file compiles the validators again (~0.4 s).
import { enableCodeCache } from '../lib/validate/code-cache';

enableCodeCache();
