// Waiting for something during a stop, bounded: a stop must end even when what it waits for never settles.

/** Resolves once `work` settles or `ms` have passed, whichever comes first; never rejects. */
export async function waitAtMost(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([Promise.resolve(work).then(() => undefined, () => undefined), late]);
  clearTimeout(timer);
}
