// XEP-0363 files on disk: DATA_DIR/uploads/files/OWNER/ID/{data,meta.json} (docs/upload.md).
// A file is visible once meta.json exists (written after the body is complete and renamed), so a
// partial upload is never served. The signing key is DATA_DIR/uploads/secret, created on first use.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FileMeta {
  filename: string;
  size: number;
  contentType: string;
  /** Milliseconds since the epoch. */
  created: number;
}

/** Slots one user may keep open at once, and files one user may keep (bounds the usage scan). */
export const MAX_FILES_PER_USER = 1000;
const META = 'meta.json';
const DAY_MS = 86_400_000;

export class UploadFiles {
  readonly root: string;

  constructor(uploadsDir: string, private readonly expiryDays: number) {
    this.root = join(uploadsDir, 'files');
  }

  /** The HMAC key shared by every gateway using this directory (created once, mode 0600). */
  static async secret(uploadsDir: string): Promise<Buffer> {
    await mkdir(uploadsDir, { recursive: true });
    const file = join(uploadsDir, 'secret');
    try {
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const key = randomBytes(32);
      await writeFile(file, key.toString('hex'), { mode: 0o600, flag: 'wx' }).catch(async (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process won the race
      });
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    }
  }

  private dir(owner: string, id: string): string {
    return join(this.root, owner, id);
  }

  dataPath(owner: string, id: string): string {
    return join(this.dir(owner, id), 'data');
  }

  expired(meta: FileMeta, now = Date.now()): boolean {
    return this.expiryDays > 0 && meta.created + this.expiryDays * DAY_MS <= now;
  }

  /** The file's metadata when it is complete and not expired. */
  async meta(owner: string, id: string): Promise<FileMeta | undefined> {
    try {
      const meta = JSON.parse(await readFile(join(this.dir(owner, id), META), 'utf8')) as FileMeta;
      return this.expired(meta) ? undefined : meta;
    } catch {
      return undefined;
    }
  }

  /** Bytes and files a user keeps (complete, not expired). */
  async usage(owner: string): Promise<{ bytes: number; files: number }> {
    let ids: string[];
    try {
      ids = await readdir(join(this.root, owner));
    } catch {
      return { bytes: 0, files: 0 };
    }
    let bytes = 0;
    for (const id of ids.slice(0, MAX_FILES_PER_USER + 1)) bytes += (await this.meta(owner, id))?.size ?? 0;
    return { bytes, files: ids.length };
  }

  async exists(owner: string, id: string): Promise<boolean> {
    return stat(this.dir(owner, id)).then(() => true, () => false);
  }

  /** A write stream for the body (to `data.part`); commit() makes it visible, discard() removes it. */
  async begin(owner: string, id: string): Promise<{ stream: WriteStream; commit(meta: FileMeta): Promise<void>; discard(): Promise<void> }> {
    const dir = this.dir(owner, id);
    await mkdir(dir, { recursive: true });
    const part = join(dir, 'data.part');
    const stream = createWriteStream(part, { flags: 'wx' });
    return {
      stream,
      commit: async (meta) => {
        await rename(part, join(dir, 'data'));
        await writeFile(join(dir, META), JSON.stringify(meta));
      },
      discard: async () => {
        stream.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /**
   * Removes expired files and abandoned uploads (no meta.json a day after the folder was made).
   * Returns how many folders went.
   */
  async cleanup(now = Date.now()): Promise<number> {
    let removed = 0;
    const owners = await readdir(this.root).catch(() => [] as string[]);
    for (const owner of owners) {
      for (const id of await readdir(join(this.root, owner)).catch(() => [] as string[])) {
        const dir = this.dir(owner, id);
        const meta = await readFile(join(dir, META), 'utf8').then((text) => JSON.parse(text) as FileMeta, () => undefined);
        const stale = meta ? this.expired(meta, now) : (await stat(dir).then((s) => s.mtimeMs, () => now)) + DAY_MS <= now;
        if (!stale) continue;
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
      if ((await readdir(join(this.root, owner)).catch(() => ['?'])).length === 0) await rm(join(this.root, owner), { recursive: true, force: true });
    }
    return removed;
  }
}
