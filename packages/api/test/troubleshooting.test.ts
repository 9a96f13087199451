// Troubleshooting tells the truth: a replay after a landing is a failure with its explanation,
// a wrong scenario_id is named, the inputs the LMS sent are in the summary, the lookup takes a
// correlation ID in any letter case, and dynamic registrations are no launches (their own
// history on the LTI settings page, their own view by correlation ID).
import { appendEvents, recordRegistrationOutcome } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_LABELS } from '../src/routers/launches.js';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, validPlatform } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;
let platformId: string;
let launchPlatformId: string;

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const TA = 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant';
const CUSTOM = 'https://purl.imsglobal.org/spec/lti/claim/custom';
const REPLAYED = '01938a2e-7c1d-7b3e-9f00-0000000000a1';
const WRONG_SCENARIO = '01938a2e-7c1d-7b3e-9f00-0000000000a2';
const NO_SCENARIO = '01938a2e-7c1d-7b3e-9f00-0000000000a3';
const REGISTERED = '01938a2e-7c1d-7b3e-9f00-0000000000b1';
const REGISTRATION_FAILED = '01938a2e-7c1d-7b3e-9f00-0000000000b2';

type Ev = { step: string; outcome: 'ok' | 'error' | 'info'; error_code?: string | null; details?: Record<string, unknown>; at: Date };
const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s));
const login: Ev[] = [
  { step: 'login_received', outcome: 'ok', details: { method: 'POST' }, at: at(0) },
  { step: 'platform_resolved', outcome: 'ok', details: {}, at: at(1) },
  { step: 'auth_redirect', outcome: 'ok', details: {}, at: at(2) },
];
const claims = (scenarioId?: string): Ev => ({
  step: 'claims',
  outcome: 'ok',
  details: { message_type: 'LtiResourceLinkRequest', deployment_id: 'dep-1', claims: { [CUSTOM]: scenarioId === undefined ? {} : { scenario_id: scenarioId } } },
  at: at(4),
});

beforeAll(async () => {
  env = await setupEnv();
  W = await createTestWorkspace(env, 'truth');
  admin = await callerFor(env, W.adminId);
  platformId = (await admin.platforms.createManual(validPlatform('truth'))).id;
  launchPlatformId = (await admin.platforms.createManual(validPlatform('truth-launches'))).id;
  const scenarioId = (await admin.scenarios.create({ slug: 'fire-drill', title: 'Fire drill' })).id;
  const launchColumns = { message_type: 'LtiResourceLinkRequest', deployment_id: 'dep-1' };

  // A launch that landed, then its form post was replayed (the runtime appends the refusal, with the login's events again).
  const landed = await insertLaunch(env.db, {
    workspaceId: W.id,
    correlationId: REPLAYED,
    status: 'landed',
    platformId: launchPlatformId,
    scenarioId,
    ltiSub: 'sub-1',
    roles: [LEARNER],
    resourceLinkId: 'rl-1',
    resourceLinkTitle: 'Fire drill week 3',
    createdAt: at(0),
  });
  await env.db.updateTable('launches').set(launchColumns).where('id', '=', landed.id).execute();
  await appendEvents(env.db, REPLAYED, W.id, [
    ...login,
    claims('fire-drill'),
    { step: 'scenario', outcome: 'ok', details: { scenario_id: scenarioId, slug: 'fire-drill', by: 'slug' }, at: at(5) },
    { step: 'landed', outcome: 'ok', details: { scenario: 'fire-drill' }, at: at(6) },
  ]);
  await appendEvents(env.db, REPLAYED, W.id, [
    ...login,
    { step: 'launch_received', outcome: 'ok', details: {}, at: at(20) },
    { step: 'state', outcome: 'error', error_code: 'nonce_replayed', details: {}, at: at(21) },
    { step: 'failed', outcome: 'error', error_code: 'nonce_replayed', details: { status: 401 }, at: at(22) },
  ]);

  // A launch whose scenario_id names no scenario of the workspace, and one that sent none.
  for (const [cid, ref] of [
    [WRONG_SCENARIO, 'nite-shift'],
    [NO_SCENARIO, undefined],
  ] as const) {
    const l = await insertLaunch(env.db, {
      workspaceId: W.id,
      correlationId: cid,
      status: 'failed',
      errorCode: 'scenario_not_found',
      platformId: launchPlatformId,
      ltiSub: 'sub-2',
      roles: [LEARNER, TA],
      resourceLinkTitle: 'Night shift',
      resourceLinkId: 'rl-2',
      createdAt: at(30),
    });
    await env.db.updateTable('launches').set(launchColumns).where('id', '=', l.id).execute();
    await appendEvents(env.db, cid, W.id, [
      ...login,
      claims(ref),
      { step: 'scenario', outcome: 'error', error_code: 'scenario_not_found', details: { scenario_id: ref ?? null }, at: at(5) },
      { step: 'failed', outcome: 'error', error_code: 'scenario_not_found', details: { status: 404 }, at: at(6) },
    ]);
  }

  // Two dynamic registrations, as the runtime records them: one saved this platform, one failed.
  await recordRegistrationOutcome(
    env.db,
    { correlationId: REGISTERED, workspaceId: W.id, platformId, issuer: 'https://canvas-truth.example.com', clientId: 'client-truth', errorCode: null },
    [
      { step: 'registration_received', outcome: 'ok', details: { openid_configuration: 'https://canvas-truth.example.com/.well-known/openid-configuration' }, at: new Date() },
      { step: 'registration_url', outcome: 'ok', details: {}, at: new Date() },
      { step: 'platform_configuration', outcome: 'ok', details: { issuer: 'https://canvas-truth.example.com', product_family: 'canvas' }, at: new Date() },
      { step: 'registration_request', outcome: 'ok', details: { client_id: 'client-truth', deployment_id: 'dep-reg' }, at: new Date() },
      { step: 'platform_saved', outcome: 'ok', details: {}, at: new Date() },
    ],
  );
  await recordRegistrationOutcome(
    env.db,
    { correlationId: REGISTRATION_FAILED, workspaceId: W.id, platformId: null, issuer: null, clientId: null, errorCode: 'registration_rejected' },
    [
      { step: 'registration_received', outcome: 'ok', details: { openid_configuration: 'https://moodle.example.org/mod/lti/openid-configuration.php' }, at: new Date() },
      { step: 'registration_url', outcome: 'ok', details: {}, at: new Date() },
      { step: 'registration_request', outcome: 'error', error_code: 'registration_rejected', details: { message: 'the LMS answered 400' }, at: new Date() },
    ],
  );
});
afterAll(async () => env?.close());

const words = (code: string) => {
  const { learner, admin: a, fix } = explain(code)!;
  return { learner, admin: a, fix };
};

describe('the summary states the real outcome', () => {
  it('a replay after a landing is a failure: “Landed, then a replay was refused”, with what went wrong and the fix', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: REPLAYED });
    expect(r.launch.status).toBe('landed'); // the row stays as the landing left it
    expect(r.summary).toMatchObject({
      outcome: 'failed',
      headline: 'Landed, then a replay was refused',
      errorCode: 'nonce_replayed',
      explanation: words('nonce_replayed'),
      refusedAfterLanding: true,
    });
    // The login's events the replay carried again are shown once.
    expect(r.events.filter((e) => e.step === 'login_received')).toHaveLength(1);
    expect(r.events.map((e) => e.step).slice(-3)).toEqual(['launch_received', 'state', 'failed']);
  });

  it('the recent list marks a landed launch whose replay was refused', async () => {
    const { items } = await admin.launches.recent({});
    expect(items.find((l) => l.correlationId === REPLAYED)).toMatchObject({ status: 'landed', refusedAfterLanding: 'nonce_replayed' });
    expect(items.find((l) => l.correlationId === WRONG_SCENARIO)).toMatchObject({ status: 'failed', refusedAfterLanding: null });
  });
});

describe('a scenario_id that matches nothing is named', () => {
  it('summary and timeline say “scenario ‘nite-shift’ was not found in this workspace”, and show the submitted value', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: WRONG_SCENARIO });
    expect(r.inputs?.scenarioId).toEqual({ known: true, value: 'nite-shift' });
    expect(r.launch.scenario).toBeNull();
    expect(r.summary.headline).toBe('Failed');
    expect(r.summary.explanation?.admin).toMatch(/^Scenario 'nite-shift' was not found in this workspace/);
    expect(r.summary.explanation?.fix).toMatch(/nite-shift/);
    expect(r.summary.explanation?.admin).not.toMatch(/not linked to a scenario yet/);
    expect(r.summary.explanation?.learner).not.toMatch(/not linked to a scenario yet/);
    const scenarioStep = r.events.find((e) => e.step === 'scenario')!;
    expect(scenarioStep.explanation?.admin).toBe(r.summary.explanation?.admin);
  });

  it('no scenario_id at all is told apart: the activity is not linked to a scenario yet', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: NO_SCENARIO });
    expect(r.inputs?.scenarioId).toEqual({ known: true, value: null });
    expect(r.summary.explanation?.admin).toMatch(/sent no custom parameter scenario_id/);
  });

  it('the summary carries the key inputs: message type, resource link, roles, deployment', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: WRONG_SCENARIO });
    expect(r.inputs).toMatchObject({
      messageType: { value: 'LtiResourceLinkRequest', label: expect.stringMatching(/^Resource link launch/) },
      deploymentId: 'dep-1',
      resourceLink: { id: 'rl-2', title: 'Night shift' },
      roles: [
        { uri: LEARNER, name: 'Learner' },
        { uri: TA, name: 'Teaching assistant' },
      ],
    });
  });
});

describe('correlation ID lookup', () => {
  it('is case-insensitive and takes braces, URNs and IDs without hyphens: all name the lowercase UUID', async () => {
    for (const form of [REPLAYED.toUpperCase(), ` ${REPLAYED.toUpperCase()} `, `{${REPLAYED}}`, `urn:uuid:${REPLAYED}`, REPLAYED.replaceAll('-', '').toUpperCase()]) {
      const r = await admin.launches.byCorrelationId({ correlationId: form });
      expect(r.launch.correlationId, form).toBe(REPLAYED);
    }
  });
});

describe('every step has a label', () => {
  it('labels each event from the one map; a step it does not know is still words', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: REPLAYED });
    for (const e of r.events) expect(e.label, e.step).toBe(STEP_LABELS[e.step]);
    expect(STEP_LABELS.deep_link_picker).toBe('Deep-linking picker');
  });
});

describe('registrations are no launches', () => {
  it('are left out of the launch list, the counts, the top errors and “last launch”', async () => {
    const { items } = await admin.launches.recent({ limit: 100 });
    expect(items.map((l) => l.correlationId)).not.toContain(REGISTERED);
    expect(items.map((l) => l.correlationId)).not.toContain(REGISTRATION_FAILED);
    const stats = await admin.launches.stats({ days: 1 });
    expect(stats.totals.launches).toBe(0); // the fixtures’ launches are older than a day; the registrations are today’s
    expect(stats.topErrors.map((e) => e.code)).not.toContain('registration_rejected');
    const platforms = await admin.platforms.list();
    // Registered by dynamic registration, never launched from.
    expect(platforms.find((p) => p.id === platformId)).toMatchObject({ lastSuccessfulLaunchAt: null, launchesLast7Days: 0 });
    expect(platforms.find((p) => p.id === launchPlatformId)?.lastSuccessfulLaunchAt).toBe(at(0).toISOString());
  });

  it('have their own history: time, outcome, platform/issuer, client ID, the error code explained, the correlation ID', async () => {
    const history = await admin.lti.registrations();
    expect(history.map((h) => h.correlationId)).toEqual([REGISTRATION_FAILED, REGISTERED]);
    expect(history[1]).toMatchObject({
      outcome: 'registered',
      platform: { id: platformId, name: 'Canvas truth' },
      issuer: 'https://canvas-truth.example.com',
      clientId: 'client-truth',
      deploymentId: 'dep-reg',
      errorCode: null,
      explanation: null,
    });
    expect(history[0]).toMatchObject({
      outcome: 'failed',
      platform: null,
      issuer: null,
      clientId: null,
      openidConfiguration: 'https://moodle.example.org/mod/lti/openid-configuration.php',
      errorCode: 'registration_rejected',
      explanation: { ...words('registration_rejected'), known: true },
    });
    expect(typeof history[0]!.at).toBe('string');
    // Another workspace sees none of them.
    const other = await createTestWorkspace(env, 'truth-other');
    expect(await (await callerFor(env, other.adminId)).lti.registrations()).toEqual([]);
  });

  it('a registration’s correlation ID opens as a registration, with only the fields that apply', async () => {
    const ok = await admin.launches.byCorrelationId({ correlationId: REGISTERED });
    expect(ok).toMatchObject({
      kind: 'registration',
      summary: { outcome: 'landed', headline: 'Registered', errorCode: null },
      inputs: null,
      registration: { issuer: 'https://canvas-truth.example.com', clientId: 'client-truth', deploymentId: 'dep-reg', productFamily: 'canvas' },
    });
    const failed = await admin.launches.byCorrelationId({ correlationId: REGISTRATION_FAILED });
    expect(failed).toMatchObject({
      kind: 'registration',
      summary: { outcome: 'failed', headline: 'Registration failed', errorCode: 'registration_rejected', explanation: words('registration_rejected') },
      registration: { issuer: null, clientId: null, openidConfiguration: 'https://moodle.example.org/mod/lti/openid-configuration.php' },
    });
    const launch = await admin.launches.byCorrelationId({ correlationId: REPLAYED });
    expect(launch.kind).toBe('launch');
    expect(launch.registration).toBeNull();
  });
});
