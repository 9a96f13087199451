// What troubleshooting and the Grades API rely on: a correlation ID in any letter case is one
// ID; registrations are kept as launch rows but counted as no launch (and listed on their own,
// through a partial index); which launches can carry a grade, and which failed passbacks a retry
// can still help.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalCorrelationId,
  countLaunchesPerDay,
  createWorkspace,
  findLaunchByRef,
  gradeBlockerOf,
  listRecentLaunches,
  listRegistrations,
  recordRegistrationOutcome,
  retryBlockerOf,
  sql,
  topErrorCodes,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

const CID = '01938a2e-7c1d-7b3e-9f00-00000000c0de';
const SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const LINE_ITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';

describe('canonicalCorrelationId', () => {
  it('lowercases a UUID and accepts it braced, as a URN, or without hyphens; leaves other text trimmed as it is', () => {
    for (const form of [CID, CID.toUpperCase(), ` ${CID} `, `{${CID.toUpperCase()}}`, `urn:uuid:${CID}`, CID.replaceAll('-', '')])
      expect(canonicalCorrelationId(form), form).toBe(CID);
    expect(canonicalCorrelationId(' corr-Test ')).toBe('corr-Test');
    expect(canonicalCorrelationId(`${CID}0`)).toBe(`${CID}0`);
  });
});

describe('gradeBlockerOf / retryBlockerOf', () => {
  const learnerLaunch = {
    message_type: 'LtiResourceLinkRequest',
    lti_sub: 'sub-1',
    platform_id: 'p-1',
    ags_lineitem_url: 'https://lms/li/1',
    ags_lineitems_url: null,
    ags_scopes: [SCORE],
    resource_link_id: 'rl-1',
  };

  it('a learner launch with a line item and the score scope can carry a grade', () => {
    expect(gradeBlockerOf(learnerLaunch)).toBeNull();
    expect(gradeBlockerOf({ ...learnerLaunch, ags_lineitem_url: null, ags_lineitems_url: 'https://lms/c/1/lineitems', ags_scopes: [SCORE, LINE_ITEM] })).toBeNull();
  });

  it('names why a launch cannot', () => {
    expect(gradeBlockerOf({ ...learnerLaunch, lti_sub: null })).toBe('anonymous');
    expect(gradeBlockerOf({ ...learnerLaunch, platform_id: null })).toBe('no_platform');
    expect(gradeBlockerOf({ ...learnerLaunch, message_type: 'LtiDeepLinkingRequest', resource_link_id: null })).toBe('not_resource_link');
    expect(gradeBlockerOf({ ...learnerLaunch, message_type: 'DynamicRegistration' })).toBe('not_resource_link');
    expect(gradeBlockerOf({ ...learnerLaunch, ags_lineitem_url: null })).toBe('no_ags_endpoint');
    expect(gradeBlockerOf({ ...learnerLaunch, ags_lineitem_url: null, ags_lineitems_url: 'https://lms/c/1/lineitems', resource_link_id: null })).toBe('no_resource_link');
    expect(gradeBlockerOf({ ...learnerLaunch, ags_scopes: [LINE_ITEM] })).toBe('no_score_scope');
    expect(gradeBlockerOf({ ...learnerLaunch, ags_lineitem_url: null, ags_lineitems_url: 'https://lms/c/1/lineitems' })).toBe('no_lineitem_scope');
  });

  it('a retry is blocked when the launch or the failure makes it hopeless, not for what a fix can cure', () => {
    const failed = (code: string) => ({ status: 'failed' as const, error_code: code });
    expect(retryBlockerOf(failed('ags_platform_unavailable'), learnerLaunch)).toBeNull();
    expect(retryBlockerOf(failed('ags_scope_missing'), learnerLaunch)).toBeNull(); // a 403: enable the scope in the LMS, retry
    expect(retryBlockerOf(failed('ags_scope_missing'), { ...learnerLaunch, ags_scopes: [] })).toBe('no_score_scope');
    expect(retryBlockerOf(failed('ags_lineitem_not_found'), learnerLaunch)).toBe('lineitem_gone');
    expect(
      retryBlockerOf(failed('ags_lineitem_not_found'), {
        ...learnerLaunch,
        ags_lineitem_url: null,
        ags_lineitems_url: 'https://lms/c/1/lineitems',
        ags_scopes: [SCORE, LINE_ITEM],
      }),
    ).toBeNull();
    expect(retryBlockerOf(failed('platform_not_found'), learnerLaunch)).toBe('no_platform');
    expect(retryBlockerOf({ status: 'sent', error_code: null }, { ...learnerLaunch, lti_sub: null })).toBeNull();
  });
});

describe('registrations are kept as launch rows, but are no launches', () => {
  let t: TestDatabase;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await createWorkspace(t.db, { slug: 'truth', name: 'Truth' })).id;
    await t.db.insertInto('launches').values({ correlation_id: CID, workspace_id: ws, status: 'failed', error_code: 'state_missing', message_type: null }).execute();
    for (const [i, errorCode] of [null, 'registration_rejected'].entries()) {
      await recordRegistrationOutcome(t.db, { correlationId: `reg-${i}`, workspaceId: ws, platformId: null, issuer: null, clientId: null, errorCode }, [
        { step: 'registration_received', outcome: 'ok', details: { openid_configuration: 'https://lms/.well-known/openid-configuration' } },
      ]);
    }
  });
  afterAll(async () => t?.close());

  it('launch lists, day counts and top errors leave them out', async () => {
    expect((await listRecentLaunches(t.db, ws, { limit: 10 })).map((l) => l.correlation_id)).toEqual([CID]);
    const [today] = await countLaunchesPerDay(t.db, ws, new Date(Date.now() - 86_400_000));
    expect(today).toMatchObject({ launches: 1, landed: 0, failed: 1 });
    expect(await topErrorCodes(t.db, ws, new Date(0))).toEqual([{ code: 'state_missing', count: 1 }]);
  });

  it('listRegistrations lists only them, newest first, with their timeline, through the partial index', async () => {
    const rows = await listRegistrations(t.db, ws);
    expect(rows.map((r) => [r.correlation_id, r.status, r.error_code])).toEqual([
      ['reg-1', 'failed', 'registration_rejected'],
      ['reg-0', 'landed', null],
    ]);
    expect(rows[0]!.events[0]).toMatchObject({ step: 'registration_received', details: { openid_configuration: 'https://lms/.well-known/openid-configuration' } });
    const index = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'launches_registrations'`.execute(t.db);
    expect(index.rows[0]?.indexdef).toMatch(/WHERE \(?\(?message_type\)?(::text)? = 'DynamicRegistration'/);
  });

  it('findLaunchByRef finds a correlation ID in any letter case', async () => {
    expect((await findLaunchByRef(t.db, ws, CID.toUpperCase()))?.correlation_id).toBe(CID);
  });
});
