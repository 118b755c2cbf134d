// The stop switch of a module that acts on decided heights after waiting (the CCIP relayer, the
// reward pusher, the task finalizer, the checkpoint submitter): stop() ends every sleep at once and nothing is armed after
// it, so a stopped keeper leaves no timer holding the process open; callers check stopped() after
// each sleep and send nothing more.
export class StopScope {
  private readonly sleeping = new Map<NodeJS.Timeout, () => void>();
  private done = false;

  /** true once stop() ran */
  stopped(): boolean {
    return this.done;
  }

  stop(): void {
    this.done = true;
    for (const [t, wake] of this.sleeping) {
      clearTimeout(t);
      wake();
    }
    this.sleeping.clear();
  }

  /** Resolves after `ms`, or at stop(), whichever comes first. */
  sleep(ms: number): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeping.delete(t);
        resolve();
      }, ms);
      this.sleeping.set(t, resolve);
    });
  }
}
