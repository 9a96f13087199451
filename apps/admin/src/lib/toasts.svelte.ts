// A tiny toast store (Svelte 5 runes). The layout shows them in the shell's toast dock, where
// they never cover the page's controls; only the newest few are kept.
export interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'bad';
}
/** How long a toast stays, and how many are shown at once. */
const TOAST_MS = 4000;
const MAX_TOASTS = 3;
let next = 1;
export const toasts = $state<Toast[]>([]);
export function toast(text: string, kind: 'ok' | 'bad' = 'ok') {
  const t = { id: next++, text, kind };
  toasts.push(t);
  if (toasts.length > MAX_TOASTS) toasts.splice(0, toasts.length - MAX_TOASTS);
  setTimeout(() => {
    const i = toasts.findIndex((x) => x.id === t.id);
    if (i >= 0) toasts.splice(i, 1);
  }, TOAST_MS);
}
