/**
 * Which of a unit's kept states belongs to which step. The target of the
 * prediction made at step t arrives only with frame t + horizon, after
 * step(x_{t+horizon−1}) (src/models/online.ts), so a unit that learns from its
 * state at step t keeps the last `horizon` steps' states, in slots t mod
 * horizon. This counts the steps of the segment and checks that each learn()
 * asks, in order, for a step that is still kept.
 */
export class StepSlots {
  /** Steps read since the last reset. */
  private steps = 0;
  /** The last step learn() asked for, −1 for none. */
  private learnt = -1;

  constructor(
    private readonly unit: string,
    readonly horizon: number,
  ) {
    if (!(Number.isInteger(horizon) && horizon >= 1)) throw new RangeError(`${unit}: horizon must be an integer ≥ 1, got ${horizon}`);
  }

  reset(): void {
    this.steps = 0;
    this.learnt = -1;
  }

  /** The slot of the step being read now: call once per step. */
  next(): number {
    return this.steps++ % this.horizon;
  }

  /** The slot of the step before the one being read now (the slot `next` returned last). */
  previous(): number {
    return (this.steps + this.horizon - 1) % this.horizon;
  }

  /** The slot of step t's state, for learn(); throws unless step t was read, is still kept and comes after the last one learnt. */
  of(t: number): number {
    const last = this.steps - 1;
    if (this.steps === 0) throw new Error(`${this.unit}: learn() before any step of the segment`);
    if (!(Number.isInteger(t) && t >= 0 && t <= last)) throw new Error(`${this.unit}: learn() for step ${t}, but the last step read was ${last}`);
    if (t <= this.learnt) throw new Error(`${this.unit}: learn() for step ${t} after step ${this.learnt}; one learn per step, in order`);
    if (t <= last - this.horizon) {
      throw new Error(`${this.unit}: learn() for step ${t} after step ${last}: only the last horizon = ${this.horizon} steps are kept`);
    }
    this.learnt = t;
    return t % this.horizon;
  }
}
