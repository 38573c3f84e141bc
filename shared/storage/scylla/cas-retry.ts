// Compare-and-set loops for the conditional writes: a lost race (not applied) re-reads and tries
// again after a short random pause, so writers from several processes do not collide in lockstep.

/** Enough for dozens of processes hitting one key at once; then the caller gets an error. */
export const MAX_CAS_ATTEMPTS = 30;

export function casPause(attempt: number): Promise<void> {
  const ceiling = Math.min(2 ** attempt, 200); // ms
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

export class CasContentionError extends Error {
  constructor(what: string) {
    super(`ScyllaDB: ${what} lost ${MAX_CAS_ATTEMPTS} races against concurrent writers; try again`);
    this.name = 'CasContentionError';
  }
}
