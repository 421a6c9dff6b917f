/**
 * The pause of a consumer of the event log (a projector, the live feed): it sleeps between reads, and an append
 * cuts the sleep short when the sleep allows it. A wake-up that arrives while the consumer is busy is kept, so
 * the next idle sleep returns at once instead of missing it. Stopping always cuts a sleep short.
 */
export class WakeableSleep {
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly isStopping: () => boolean) {}

  /** An append happened: cut an append-wakeable sleep short, or remember it for the next one. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Ends the current sleep if the consumer is stopping (a non-wakeable sleep ignores anything else). */
  interrupt(): void {
    this.wakeUp?.();
  }

  /** Sleeps `ms`; an append cuts it short when `wakeOnAppend`, and stopping always does. */
  sleep(ms: number, wakeOnAppend: boolean): Promise<void> {
    if (this.isStopping() || (wakeOnAppend && this.woken)) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = () => {
        if (wakeOnAppend || this.isStopping()) done();
      };
    });
  }
}
