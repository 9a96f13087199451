import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

const PUBLIC = ['/login', '/setup'];

export const load: LayoutServerLoad = async ({ locals, url }) => {
  const isPublic = PUBLIC.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`));
  if (!locals.session && !isPublic) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  return { session: locals.session };
};
