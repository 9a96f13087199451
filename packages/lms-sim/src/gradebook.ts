/** What the home page shows of the AGS store: the scores that count, per line item, with names. */
import { findLineItem } from './line-items.js';
import { currentMembers } from './roster.js';
import type { LineItemRecord, SimContext } from './state.js';
import type { RecordedScore } from './types.js';

export interface GradeRow {
  userId: string;
  /** The learner's name when the sim launched them, else their user id. */
  who: string;
  /** e.g. "80 / 100", "8 / 10 (= 80 / 100)", or "—" when the score has no scoreGiven (progress only). */
  score: string;
  progress: string;
  receivedAt: number;
}

function displayName(sim: SimContext, contextId: string, userId: string): string {
  const member = currentMembers(sim, contextId).find((m) => m.user_id === userId);
  return typeof member?.name === 'string' && member.name ? member.name : userId;
}

/** "8 / 10 (= 80 / 100)": as sent, and scaled to the line item when its maximum differs (what the gradebook keeps). */
function scoreText(given: number | undefined, max: number | undefined, itemMax: number): string {
  if (given === undefined) return '—';
  if (max === undefined || max === itemMax) return `${given} / ${itemMax}`;
  const scaled = Math.round((given / max) * itemMax * 100) / 100;
  return `${given} / ${max} (= ${scaled} / ${itemMax})`;
}

function row(sim: SimContext, rec: LineItemRecord, s: RecordedScore): GradeRow {
  const { score } = s;
  return {
    userId: score.userId,
    who: displayName(sim, rec.contextId, score.userId),
    score: scoreText(score.scoreGiven, score.scoreMaximum, rec.item.scoreMaximum),
    progress: `${score.activityProgress}, ${score.gradingProgress}`,
    receivedAt: s.receivedAt,
  };
}

/** The latest score per user of a line item (by id or URL), newest first. */
export function gradeRows(sim: SimContext, lineItemIdOrUrl: string): GradeRow[] {
  const rec = findLineItem(sim, lineItemIdOrUrl);
  if (!rec) return [];
  return [...sim.state.latestScores.values()]
    .filter((s) => s.lineItemId === rec.id)
    .sort((a, b) => b.receivedAt - a.receivedAt)
    .map((s) => row(sim, rec, s));
}
