// Runs this process under a memory limit, as a container with a memory limit runs a component
// (issue 6: the PubSub component's RSS with 1,000,000 stored items). A memory cgroup of its own
// (cgroup v1 `memory` controller, or v2 `memory.max`) that this process joins: what it allocates
// from then on — heap, buffers, and the LMDB file pages its reads bring in — is charged there, and
// at the limit the kernel reclaims file pages (page cache, mapped or not) before anything else.
// Needs root (writes under /sys/fs/cgroup); says so clearly when it cannot.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  path: string;
  /** Memory charged now, the most ever charged, and how often the limit was hit (v1; v2: memory.events max). */
  usage(): { usageMB: number; peakMB: number | undefined; limitHits: number };
  /** Moves this process back to the cgroup it came from and removes this one. */
  leave(): void;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const read = (file: string) => readFileSync(file, 'utf8').trim();

/** The cgroup (v1 memory hierarchy path, or v2 path) this process is in. */
function currentCgroup(version: 1 | 2): string {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (version === 2 && id === '0' && controllers === '') return path ?? '/';
    if (version === 1 && controllers?.split(',').includes('memory')) return path ?? '/';
  }
  return '/';
}

export function joinMemoryCgroup(limitMB: number, name = `pampero-bench-${process.pid}`): MemoryCgroup {
  const v1Root = '/sys/fs/cgroup/memory';
  const v2Root = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  const version: 1 | 2 = existsSync(join(v1Root, 'memory.limit_in_bytes')) ? 1 : 2;
  const root = version === 1 ? v1Root : v2Root;
  if (version === 2 && !read(join(root, 'cgroup.controllers')).split(' ').includes('memory')) {
    throw new Error('no memory cgroup controller on this machine (neither cgroup v1 memory nor v2 with memory)');
  }
  const from = join(root, currentCgroup(version));
  // v2: a cgroup with processes cannot enable controllers for its children, so ours goes under the root.
  const path = join(version === 1 ? from : root, name);
  try {
    mkdirSync(path);
  } catch (err) {
    throw new Error(`cannot create the memory cgroup ${path} (${(err as NodeJS.ErrnoException).code}): run as root`);
  }
  const limit = String(limitMB * 1048576);
  if (version === 1) writeFileSync(join(path, 'memory.limit_in_bytes'), limit);
  else writeFileSync(join(path, 'memory.max'), limit);
  writeFileSync(join(path, 'cgroup.procs'), String(process.pid));
  return {
    path,
    usage() {
      if (version === 1) {
        return { usageMB: mb(Number(read(join(path, 'memory.usage_in_bytes')))), peakMB: mb(Number(read(join(path, 'memory.max_usage_in_bytes')))), limitHits: Number(read(join(path, 'memory.failcnt'))) };
      }
      const events = read(join(path, 'memory.events'));
      const peak = existsSync(join(path, 'memory.peak')) ? mb(Number(read(join(path, 'memory.peak')))) : undefined;
      return { usageMB: mb(Number(read(join(path, 'memory.current')))), peakMB: peak, limitHits: Number(/^max (\d+)/m.exec(events)?.[1] ?? 0) };
    },
    leave() {
      try {
        writeFileSync(join(from, 'cgroup.procs'), String(process.pid));
        rmdirSync(path);
      } catch {
        // Left behind (empty, harmless); the kernel removes nothing by itself, so say where.
        console.error(`memory cgroup ${path} not removed`);
      }
    },
  };
}
