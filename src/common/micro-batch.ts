/**
 * Gathers calls made in the same moment into one batch: the first call of a batch waits until the
 * current I/O callbacks have run (setImmediate), so the deliveries in flight together share one
 * statement and one commit instead of one each. Each caller gets its own result or the batch's error.
 *
 * `maxInFlight` bounds the batches running at once. Work that is serialised anyway (leads of one
 * assignment rule wait for its lock) runs one batch at a time: the calls arriving meanwhile gather
 * into the next batch instead of queueing one by one behind the lock — group commit.
 */
export class MicroBatch<In, Out> {
  private pending: { input: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private running = 0;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxSize = 200,
    private readonly maxInFlight = Infinity,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (!this.pending.length || this.running >= this.maxInFlight) return;
    const batch = this.pending.splice(0, this.maxSize);
    this.running += 1;
    this.run(batch.map((entry) => entry.input))
      .then(
        (outputs) => batch.forEach((entry, index) => entry.resolve(outputs[index])),
        (error) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.running -= 1;
        this.flush();
      });
  }
}
