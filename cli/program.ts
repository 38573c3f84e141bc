// The `pampero` command tree. Built by a function so tests can run it in-process with their own io.
import { Command } from 'commander';
import { PAMPERO_VERSION } from '../shared/version.js';
import { processIo, type CliIo } from './cli-error.js';
import { clusterCommands } from './cluster-commands.js';
import { limitsCommands } from './limits-commands.js';
import { incidentsCommands } from './incidents-commands.js';
import { abuseCommands } from './abuse-commands.js';
import { componentCommands } from './component-commands.js';
import { rosterCommands } from './roster-commands.js';
import { startCommand } from './start-command.js';
import { userCommands } from './user-commands.js';

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('pampero')
    .description('Pampero, a scale-out XMPP server')
    .version(PAMPERO_VERSION, '-V, --version', 'print the version')
  program.addCommand(startCommand(io));
  program.addCommand(userCommands(io));
  program.addCommand(componentCommands(io));
  program.addCommand(rosterCommands(io));
  program.addCommand(clusterCommands(io));
  program.addCommand(limitsCommands(io));
  program.addCommand(incidentsCommands(io));
  program.addCommand(abuseCommands(io));
  writeThrough(program, io);
  return program;
}

/** Every command writes help and usage errors through `io` (addCommand does not pass this on). */
function writeThrough(command: Command, io: CliIo): void {
  command
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) });
  for (const sub of command.commands) writeThrough(sub, io);
}
