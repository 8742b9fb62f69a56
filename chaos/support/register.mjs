// `node --import ./chaos/support/register.mjs file.ts`: runs the chaos TypeScript (and lib/) straight
// from the sources through @swc/core, so the e2e specs can fork worker processes without compiling
// the tree first. `npm run chaos` compiles with tsc instead (type-checked), like the benchmarks.
import { register } from 'node:module';

register('./swc-hooks.mjs', import.meta.url);
