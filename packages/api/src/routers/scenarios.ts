import {
  createScenario,
  findScenarioById,
  findScenarioBySlug,
  isUniqueViolation,
  listScenarios,
  type Scenario,
  setScenarioArchived,
  updateScenario,
  workspaceHasPlatform,
} from '@tether/db';
import { safeText, slugSchema, toolEndpoints } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { type AdminContext, audit, idSchema, iso, isoOrNull } from '../util.js';

const title = safeText({ max: 200, min: 1, trim: true, label: 'title' });
const description = safeText({ max: 5000, trim: true, label: 'description' });

const createInput = z.object({ slug: slugSchema, title, description: description.default('') });
const updateInput = z.object({ id: idSchema, slug: slugSchema.optional(), title: title.optional(), description: description.optional() });

/** What an LMS activity needs in its custom parameters to open this scenario. */
export const customParameterFor = (slug: string) => `scenario_id=${slug}`;

function scenarioView(s: Scenario) {
  return {
    id: s.id,
    slug: s.slug,
    title: s.title,
    description: s.description,
    customParameter: customParameterFor(s.slug),
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
    /** Set while archived: hidden from the default list and the deep-linking picker; launches into it are refused. */
    archivedAt: isoOrNull(s.archived_at),
  };
}

async function slugTaken(ctx: AdminContext, slug: string): Promise<TRPCError> {
  const existing = await findScenarioBySlug(ctx.db, ctx.workspace.id, slug);
  return fieldError(
    'CONFLICT',
    'slug',
    existing ? `The slug "${slug}" is already used by the scenario "${existing.title}"${existing.archived_at ? ' (archived)' : ''}.` : `The slug "${slug}" is already used.`,
  );
}

const notFound = (id: string) => new TRPCError({ code: 'NOT_FOUND', message: `scenario ${id} not found in this workspace` });

export const scenariosRouter = createTRPCRouter({
  /** The workspace's scenarios by title; archived ones only with `includeArchived`. */
  list: adminProcedure
    .input(z.object({ includeArchived: z.boolean().default(false) }).optional())
    .query(async ({ ctx, input }) => (await listScenarios(ctx.db, ctx.workspace.id, { archived: input?.includeArchived ? 'include' : 'exclude' })).map(scenarioView)),

  /** One scenario, the custom parameter to paste into the LMS, and whether any LMS is connected yet. */
  get: adminProcedure.input(z.object({ id: idSchema })).query(async ({ ctx, input }) => {
    const [scenario, lmsConnected] = await Promise.all([findScenarioById(ctx.db, ctx.workspace.id, input.id), workspaceHasPlatform(ctx.db, ctx.workspace.id)]);
    if (!scenario) throw notFound(input.id);
    return { ...scenarioView(scenario), lmsConnected, launchUrl: toolEndpoints(ctx.publicUrl).launch };
  }),

  create: adminProcedure.input(createInput).mutation(async ({ ctx, input }) => {
    let created: Scenario;
    try {
      created = await createScenario(ctx.db, { workspace_id: ctx.workspace.id, slug: input.slug, title: input.title, description: input.description });
    } catch (e) {
      if (isUniqueViolation(e)) throw await slugTaken(ctx, input.slug);
      throw e;
    }
    await audit(ctx, 'scenario.create', { type: 'scenario', id: created.id }, { slug: created.slug, title: created.title });
    return scenarioView(created);
  }),

  update: adminProcedure.input(updateInput).mutation(async ({ ctx, input }) => {
    const { id, ...f } = input;
    const changes: { slug?: string; title?: string; description?: string } = {};
    if (f.slug !== undefined) changes.slug = f.slug;
    if (f.title !== undefined) changes.title = f.title;
    if (f.description !== undefined) changes.description = f.description;
    let updated: Scenario | undefined;
    try {
      updated = await updateScenario(ctx.db, ctx.workspace.id, id, changes);
    } catch (e) {
      if (isUniqueViolation(e) && changes.slug) throw await slugTaken(ctx, changes.slug);
      throw e;
    }
    if (!updated) throw notFound(id);
    await audit(ctx, 'scenario.update', { type: 'scenario', id }, { changed: Object.keys(changes), ...changes });
    return scenarioView(updated);
  }),

  /** Archive: the scenario leaves the default list and the deep-linking picker, and launches into it are refused until it is unarchived. */
  archive: adminProcedure.input(z.object({ id: idSchema })).mutation(async ({ ctx, input }) => {
    const before = await findScenarioById(ctx.db, ctx.workspace.id, input.id);
    if (!before) throw notFound(input.id);
    if (before.archived_at) return scenarioView(before); // already archived: nothing changes
    const archived = await setScenarioArchived(ctx.db, ctx.workspace.id, input.id, true);
    if (!archived) throw notFound(input.id);
    await audit(ctx, 'scenario.archive', { type: 'scenario', id: archived.id }, { slug: archived.slug, title: archived.title });
    return scenarioView(archived);
  }),

  /** Unarchive: the scenario is listed, pickable and launchable again. */
  unarchive: adminProcedure.input(z.object({ id: idSchema })).mutation(async ({ ctx, input }) => {
    const before = await findScenarioById(ctx.db, ctx.workspace.id, input.id);
    if (!before) throw notFound(input.id);
    if (!before.archived_at) return scenarioView(before); // not archived: nothing changes
    const restored = await setScenarioArchived(ctx.db, ctx.workspace.id, input.id, false);
    if (!restored) throw notFound(input.id);
    await audit(ctx, 'scenario.unarchive', { type: 'scenario', id: restored.id }, { slug: restored.slug, title: restored.title });
    return scenarioView(restored);
  }),
});
