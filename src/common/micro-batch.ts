/**
 * Gathers calls made in the same moment into one batch: the first call of a batch waits until the
 * current I/O callbacks have run (setImmediate), so the deliveries in flight together share one
 * statement and one commit instead of one each. Each caller gets its own result or the batch's error.
 */
export class MicroBatch<In, Out> {
  private pending: { input: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxSize = 200,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.run(batch.map((entry) => entry.input)).then(
      (outputs) => batch.forEach((entry, index) => entry.resolve(outputs[index])),
      (error) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
