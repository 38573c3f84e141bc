#!/usr/bin/env node
// The `pampero` executable (package.json "bin": dist/cli/pampero.js).
import { reportFailure, processIo } from './cli-error.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => reportFailure(err, processIo));
