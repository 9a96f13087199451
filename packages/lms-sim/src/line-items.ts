/** AGS line items held by the platform: their URLs (mode-dependent) and records. */
import type { LineItemRecord, SimContext } from './state.js';
import type { LineItem, LineItemFields } from './types.js';

export function lineItemsUrl(sim: SimContext, contextId: string): string {
  const base = `${sim.url}/ags/${encodeURIComponent(contextId)}/lineitems`;
  return sim.mode === 'moodle' ? `${base}?type_id=1` : base;
}

export function lineItemUrl(sim: SimContext, contextId: string, id: string): string {
  const base = `${sim.url}/ags/${encodeURIComponent(contextId)}/lineitems/${encodeURIComponent(id)}`;
  return sim.mode === 'moodle' ? `${base}/lineitem?type_id=1` : base;
}

export function insertLineItem(sim: SimContext, contextId: string, item: LineItemFields, createdBy: string): LineItemRecord {
  const id = String(++sim.state.lineItemSeq);
  const rec: LineItemRecord = { id, contextId, item: { ...item }, createdBy };
  sim.state.lineItems.set(id, rec);
  return rec;
}

export function lineItemJson(sim: SimContext, rec: LineItemRecord): LineItem {
  return { id: lineItemUrl(sim, rec.contextId, rec.id), ...rec.item };
}

/** Find a line item by its numeric id or its URL. */
export function findLineItem(sim: SimContext, idOrUrl: string): LineItemRecord | undefined {
  const direct = sim.state.lineItems.get(idOrUrl);
  if (direct) return direct;
  for (const rec of sim.state.lineItems.values()) {
    if (lineItemUrl(sim, rec.contextId, rec.id) === idOrUrl) return rec;
  }
  const m = /\/lineitems\/([^/?]+)/.exec(idOrUrl);
  return m ? sim.state.lineItems.get(decodeURIComponent(m[1]!)) : undefined;
}
