// A tiny toast store (Svelte 5 runes).
export interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'bad';
}
let next = 1;
export const toasts = $state<Toast[]>([]);
export function toast(text: string, kind: 'ok' | 'bad' = 'ok') {
  const t = { id: next++, text, kind };
  toasts.push(t);
  setTimeout(() => {
    const i = toasts.findIndex((x) => x.id === t.id);
    if (i >= 0) toasts.splice(i, 1);
  }, 4000);
}
