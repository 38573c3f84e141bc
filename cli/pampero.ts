#!/usr/bin/env -S node --max-semi-space-size=4
// The `pampero` executable (package.json "bin": dist/cli/pampero.js).
import { reportFailure, processIo } from './cli-error.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => reportFailure(err, processIo));
