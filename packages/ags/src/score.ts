import { ACTIVITY_PROGRESS, type ActivityProgress, GRADING_PROGRESS, type GradingProgress } from './constants.js';
import { AgsError } from './errors.js';

export interface ScoreInput {
  /** The learner's LTI `sub`. */
  userId: string;
  scoreGiven?: number;
  /** Required whenever scoreGiven is present. */
  scoreMaximum?: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  /** Default: a per-(line item, user) strictly increasing ISO 8601 UTC stamp with milliseconds. */
  timestamp?: string | Date;
  comment?: string;
  submission?: { startedAt?: string | Date; submittedAt?: string | Date };
  scoringUserId?: string;
  /** Platform extensions, keyed by full URI (e.g. Canvas' `https://canvas.instructure.com/lti/submission`). */
  extensions?: Record<string, unknown>;
}

/** The JSON body of a score POST. */
export interface ScoreBody {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  timestamp: string;
  comment?: string;
  submission?: { startedAt?: string; submittedAt?: string };
  scoringUserId?: string;
  [extension: string]: unknown;
}

/** ISO 8601 date-time with an explicit offset (a local time is ambiguous to the platform). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

function invalid(message: string, field: string): AgsError {
  return new AgsError('ags_invalid_score', message, { details: { field } });
}

/** A caller-supplied date as a string; strings are kept verbatim so an identical retry stays identical. */
function dateTime(value: unknown, field: string): string {
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw invalid(`${field} is an invalid Date`, field);
    return value.toISOString();
  }
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || !Number.isFinite(Date.parse(value))) {
    throw invalid(`${field} must be an ISO 8601 date-time with a UTC offset (e.g. 2024-05-01T12:00:00.000Z)`, field);
  }
  return value;
}

/**
 * Checks a score against the AGS rules and builds the POST body. `autoTimestamp` is called
 * only when the score is valid and has no timestamp, so a refused score never advances the
 * clock. Everything a platform would reject is refused here, before a token is requested.
 */
export function buildScoreBody(score: ScoreInput, autoTimestamp: () => string): ScoreBody {
  if (score === null || typeof score !== 'object') throw invalid('score must be an object', 'score');
  if (typeof score.userId !== 'string' || score.userId.trim() === '') throw invalid('userId is required', 'userId');
  if (!(ACTIVITY_PROGRESS as readonly unknown[]).includes(score.activityProgress)) {
    throw invalid(`activityProgress must be one of ${ACTIVITY_PROGRESS.join(', ')}`, 'activityProgress');
  }
  if (!(GRADING_PROGRESS as readonly unknown[]).includes(score.gradingProgress)) {
    throw invalid(`gradingProgress must be one of ${GRADING_PROGRESS.join(', ')}`, 'gradingProgress');
  }
  if (score.scoreMaximum !== undefined) {
    if (typeof score.scoreMaximum !== 'number' || !Number.isFinite(score.scoreMaximum) || score.scoreMaximum <= 0) {
      throw invalid('scoreMaximum must be a finite number > 0', 'scoreMaximum');
    }
  }
  if (score.scoreGiven !== undefined) {
    if (typeof score.scoreGiven !== 'number' || !Number.isFinite(score.scoreGiven)) {
      throw invalid('scoreGiven must be a finite number', 'scoreGiven');
    }
    if (score.scoreGiven < 0) throw invalid('scoreGiven must be ≥ 0', 'scoreGiven');
    // Without the maximum the platform cannot scale the score into its own column.
    if (score.scoreMaximum === undefined) throw invalid('scoreMaximum is required when scoreGiven is present', 'scoreMaximum');
  }
  if (score.comment !== undefined && typeof score.comment !== 'string') throw invalid('comment must be a string', 'comment');
  if (score.scoringUserId !== undefined && (typeof score.scoringUserId !== 'string' || score.scoringUserId === '')) {
    throw invalid('scoringUserId must be a non-empty string', 'scoringUserId');
  }

  const body: ScoreBody = {
    userId: score.userId,
    ...(score.scoreGiven !== undefined && { scoreGiven: score.scoreGiven }),
    ...(score.scoreMaximum !== undefined && { scoreMaximum: score.scoreMaximum }),
    activityProgress: score.activityProgress,
    gradingProgress: score.gradingProgress,
    timestamp: '',
    ...(score.comment !== undefined && { comment: score.comment }),
    ...(score.scoringUserId !== undefined && { scoringUserId: score.scoringUserId }),
  };
  if (score.submission !== undefined) {
    if (score.submission === null || typeof score.submission !== 'object') throw invalid('submission must be an object', 'submission');
    const submission: { startedAt?: string; submittedAt?: string } = {};
    if (score.submission.startedAt !== undefined) submission.startedAt = dateTime(score.submission.startedAt, 'submission.startedAt');
    if (score.submission.submittedAt !== undefined) {
      submission.submittedAt = dateTime(score.submission.submittedAt, 'submission.submittedAt');
    }
    body.submission = submission;
  }
  if (score.extensions !== undefined) {
    for (const [k, v] of Object.entries(score.extensions)) {
      // Full-URI keys only, so an extension can never overwrite a standard score field.
      if (!/^[a-z][a-z0-9+.-]*:/i.test(k)) throw invalid(`extension key "${k}" must be a full URI`, 'extensions');
      body[k] = v;
    }
  }
  body.timestamp = score.timestamp === undefined ? autoTimestamp() : dateTime(score.timestamp, 'timestamp');
  return body;
}
