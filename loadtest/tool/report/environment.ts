// What a figure needs next to it to mean anything: versions, machine, when.
import { cpus, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface Environment {
  date: string;
  node: string;
  tool: string;
  machine: { nproc: number; cpu: string; kernel: string; os: string; memGiB: number };
}

function osName(): string {
  try {
    return /PRETTY_NAME="?([^"\n]*)"?/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The package.json above the tool (works from sources and from dist/). */
function toolVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name) return `${pkg.name} ${pkg.version ?? ''}`.trim();
    } catch {
      // keep looking upwards
    }
  }
  return 'unknown';
}

export function environment(): Environment {
  return {
    date: new Date().toISOString(),
    node: process.version,
    tool: toolVersion(),
    machine: {
      nproc: cpus().length, // the machine's, not this process's affinity (the generator may be pinned)
      cpu: cpus()[0]?.model ?? 'unknown',
      kernel: release(),
      os: osName(),
      memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    },
  };
}
