/**
 * The clock of decision expiry. Decisions are stamped in event time; the sweeper needs "now" even
 * when no alert arrives, so it extrapolates: the newest event time seen, plus the wall time
 * elapsed since it was seen. Live, that is the wall clock; in a replay it follows the replayed
 * events instead of expiring every decision at once. Before any event, it is the wall clock.
 */
export class EventClock {
  #event: number | undefined;
  #seenAt = 0;

  constructor(private readonly wall: () => number = Date.now) {}

  observe(eventTime: number): void {
    if (!Number.isFinite(eventTime)) return;
    if (this.#event === undefined || eventTime > this.now()) {
      this.#event = eventTime;
      this.#seenAt = this.wall();
    }
  }

  now(): number {
    return this.#event === undefined ? this.wall() : this.#event + (this.wall() - this.#seenAt);
  }
}
