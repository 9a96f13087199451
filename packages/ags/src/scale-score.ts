import { AgsError } from './errors.js';

/**
 * Converts a percentage into `scoreGiven` for a given `scoreMaximum`: 80 % of 10 ⇒ 8.
 * The percentage is clamped to [0, 100] and the result rounded to 4 decimals, so float noise
 * (0.1 + 0.2) never reaches the gradebook.
 */
export function scaleScore(percent: number, scoreMaximum: number): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) {
    throw new AgsError('ags_invalid_score', 'percent must be a finite number', { details: { field: 'percent' } });
  }
  if (typeof scoreMaximum !== 'number' || !Number.isFinite(scoreMaximum) || scoreMaximum <= 0) {
    throw new AgsError('ags_invalid_score', 'scoreMaximum must be a finite number > 0', { details: { field: 'scoreMaximum' } });
  }
  const clamped = Math.min(100, Math.max(0, percent));
  const raw = (clamped / 100) * scoreMaximum;
  const rounded = Math.round((raw + Number.EPSILON * Math.max(1, raw)) * 1e4) / 1e4;
  return Math.min(rounded, scoreMaximum);
}
