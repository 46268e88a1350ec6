#!/usr/bin/env node
// The package's command: the compiled command line (dist/, written by `npm run build`, which
// `npm pack` runs first). No TypeScript loader is needed here; one is registered only to load a
// user's TypeScript scenario file.
import { runCli } from '../dist/cli/bin.js';

runCli();
