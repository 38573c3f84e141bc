// The program behind the `pampero` executable (cli/pampero.cts loads it after its first step).
import { reportFailure, processIo } from './cli-error.js';
import { buildProgram } from './program.js';

// `pampero user list | head`: the reader went away; stop quietly as other Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => reportFailure(err, processIo));
