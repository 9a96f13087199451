// Collects a request's launch events in memory (step, outcome, code, time since the previous
// step, redacted details) and writes them in one batch with the request's last statement.
import type { EventInput } from '@tether/db';

export class Timeline {
  readonly events: EventInput[] = [];
  #last = performance.now();

  /** `earlier`: events already recorded elsewhere that this request writes with its own (a login's, kept on its state row). */
  constructor(
    readonly correlationId: string,
    earlier: EventInput[] = [],
  ) {
    this.events.push(...earlier);
  }

  ok(step: string, details: Record<string, unknown> = {}) {
    this.#push(step, 'ok', null, details);
  }
  info(step: string, details: Record<string, unknown> = {}) {
    this.#push(step, 'info', null, details);
  }
  error(step: string, code: string, details: Record<string, unknown> = {}) {
    this.#push(step, 'error', code, details);
  }

  /** An ok event as it would be recorded now, without recording it (for a write that may be retried). */
  draft(step: string, details: Record<string, unknown> = {}): EventInput {
    return { step, outcome: 'ok', error_code: null, duration_ms: Math.round((performance.now() - this.#last) * 100) / 100, details, at: new Date() };
  }

  /** Record drafted events once their write succeeded. */
  commit(events: EventInput[]) {
    this.events.push(...events);
    this.#last = performance.now();
  }

  #push(step: string, outcome: EventInput['outcome'], code: string | null, details: Record<string, unknown>) {
    const now = performance.now();
    this.events.push({ step, outcome, error_code: code, duration_ms: Math.round((now - this.#last) * 100) / 100, details, at: new Date() });
    this.#last = now;
  }
}
