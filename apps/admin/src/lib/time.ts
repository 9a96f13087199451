const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31536000],
  ['month', 2592000],
  ['week', 604800],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", "in 52 minutes". */
export function relativeTime(date: Date | string | null | undefined, now = Date.now()): string {
  if (!date) return '—';
  const d = typeof date === 'string' ? new Date(date) : date;
  const diff = Math.round((d.getTime() - now) / 1000);
  for (const [unit, secs] of units) if (Math.abs(diff) >= secs || unit === 'second') return rtf.format(Math.round(diff / secs), unit);
  return d.toISOString();
}

export const fullTime = (date: Date | string | null | undefined) => (date ? new Date(date).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }) : '—');
