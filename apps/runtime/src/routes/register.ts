// Dynamic registration: the LMS opens our one-time registration URL with its
// openid_configuration (+ registration_token). Check our token, fetch and check the
// platform's configuration, register, store the platform — then close the LMS dialog.

import { isCryptoError } from '@tether/crypto';
import { claimRegistrationToken, findWorkspaceById, isUniqueViolation, recordRegistrationOutcome, releaseRegistrationToken, saveRegisteredPlatform, writeAudit } from '@tether/db';
import { explainOrUnknown } from '@tether/errors';
import { TETHER_USER_AGENT as USER_AGENT } from '@tether/http';
import { isRegistrationError, type RegistrationUrlErrorCode, runDynamicRegistration } from '@tether/lti';
import type { Context } from 'hono';
import type { RuntimeDeps } from '../deps.js';
import { readQuery } from '../http/read-body.js';
import type { RequestInputError } from '../http/request-input-error.js';
import { registrationErrorPage, registrationSuccessPage } from '../pages/registration-pages.js';
import { page } from '../respond.js';
import { newCorrelationId } from '../security.js';
import { Timeline } from '../timeline.js';

type UrlProblem = RegistrationUrlErrorCode;

export function registerHandler(deps: RuntimeDeps) {
  const allowInsecureHosts = deps.config.TETHER_DEV_INSECURE_HOSTS;

  return async (c: Context): Promise<Response> => {
    const timeline = new Timeline(newCorrelationId());
    // A NUL or a broken escape in the query is refused here, unrecorded (the timeline would carry it to Postgres).
    const checked = readQuery(c);
    if (!checked.ok) return unreadable(deps, timeline.correlationId, checked.error);
    const query = new URL(c.req.url).searchParams;
    timeline.ok('registration_received', { openid_configuration: query.get('openid_configuration'), has_registration_token: query.has('registration_token') });
    let workspaceId: string | null = null;

    const problem = async (code: UrlProblem, details: Record<string, unknown> = {}) => {
      const p = explainOrUnknown(code);
      timeline.error('registration_url', code, details);
      await recordRegistrationOutcome(
        deps.db,
        { correlationId: timeline.correlationId, workspaceId, platformId: null, issuer: null, clientId: null, errorCode: code },
        timeline.events,
      );
      deps.logger.warn({ correlationId: timeline.correlationId, code }, 'dynamic registration refused');
      const res = await page(p.status, timeline.correlationId, (nonce) =>
        registrationErrorPage({ nonce, title: p.learner, what: p.admin, fix: p.fix, code, correlationId: timeline.correlationId }),
      );
      res.headers.set('x-tether-error', code);
      return res;
    };

    // 1. Our one-time URL: signature, expiry, and not used before (claimed atomically).
    let jti: string;
    try {
      const verified = await deps.tokens.verify(query.get('token') ?? '', { purpose: 'dynamic-registration' });
      jti = verified.jti;
      workspaceId = verified.data.workspace ?? null;
    } catch (e) {
      if (!isCryptoError(e)) throw e;
      return problem(e.code === 'one_time_token_expired' ? 'registration_url_expired' : 'registration_url_invalid');
    }
    if (!workspaceId) return problem('registration_url_invalid');
    const claim = await claimRegistrationToken(deps.db, jti, workspaceId);
    if (!claim.ok) return problem(claim.reason === 'used' ? 'registration_url_used' : claim.reason === 'expired' ? 'registration_url_expired' : 'registration_url_invalid');
    timeline.ok('registration_url', { workspace_id: workspaceId });

    // 2–3. Platform configuration, then the registration request (packages/lti).
    try {
      const { registered, config } = await runDynamicRegistration(query, {
        tool: { publicUrl: deps.config.PUBLIC_URL, clientName: 'Tether' },
        userAgent: USER_AGENT,
        allowInsecureHosts,
      });
      timeline.ok('platform_configuration', { issuer: config.issuer, product_family: registered.productFamily, product_version: registered.productVersion ?? null });
      timeline.ok('registration_request', { client_id: registered.clientId, deployment_id: registered.deploymentId ?? null, scopes: registered.scopes });

      // 4. Store (idempotent per issuer + client ID).
      const name = platformName(registered.productFamily, config.issuer);
      const saved = await saveRegisteredPlatform(deps.db, {
        workspaceId,
        name,
        issuer: registered.issuer,
        clientId: registered.clientId,
        authLoginUrl: registered.authLoginUrl,
        tokenUrl: registered.tokenUrl,
        tokenAudience: registered.tokenAudience ?? null,
        jwksUrl: registered.jwksUrl,
        productFamily: registered.productFamily,
        productVersion: registered.productVersion ?? null,
        deploymentId: registered.deploymentId ?? null,
        jti,
      });
      if (!saved.ok) {
        await releaseRegistrationToken(deps.db, jti);
        return problem('registration_unusable', { issuer: registered.issuer, client_id: registered.clientId });
      }
      timeline.ok('platform_saved', { platform_id: saved.platform.id, created: saved.created });
      await recordRegistrationOutcome(
        deps.db,
        { correlationId: timeline.correlationId, workspaceId, platformId: saved.platform.id, issuer: saved.platform.issuer, clientId: saved.platform.client_id, errorCode: null },
        timeline.events,
      );
      await writeAudit(deps.db, {
        workspace_id: workspaceId,
        actor: 'lms:dynamic-registration',
        action: saved.created ? 'platform.register' : 'platform.reregister',
        target_type: 'platform',
        target_id: saved.platform.id,
        details: { issuer: saved.platform.issuer, client_id: saved.platform.client_id, correlation_id: timeline.correlationId },
      });
      const workspace = await findWorkspaceById(deps.db, workspaceId);
      deps.logger.info({ correlationId: timeline.correlationId, platformId: saved.platform.id }, 'dynamic registration complete');
      return page(200, timeline.correlationId, (nonce) =>
        registrationSuccessPage({
          nonce,
          platformName: name,
          clientId: saved.platform.client_id,
          deploymentId: registered.deploymentId ?? null,
          workspaceName: workspace?.name ?? '',
        }),
      );
    } catch (e) {
      await releaseRegistrationToken(deps.db, jti);
      if (!isRegistrationError(e) && !isUniqueViolation(e)) throw e;
      const code = isRegistrationError(e) ? e.code : 'registration_response_invalid';
      const explanation = explainOrUnknown(code);
      const lms = isRegistrationError(e) ? { status: e.status, body: e.platformBody } : undefined;
      timeline.error(code.startsWith('config') || code === 'issuer_mismatch' || code === 'insecure_url' ? 'platform_configuration' : 'registration_request', code, {
        message: (e as Error).message,
        field: isRegistrationError(e) ? (e.field ?? null) : null,
        lms_status: lms?.status ?? null,
      });
      await recordRegistrationOutcome(
        deps.db,
        { correlationId: timeline.correlationId, workspaceId, platformId: null, issuer: null, clientId: null, errorCode: code },
        timeline.events,
      );
      deps.logger.warn({ correlationId: timeline.correlationId, code }, 'dynamic registration failed');
      const res = await page(explanation.status, timeline.correlationId, (nonce) =>
        registrationErrorPage({
          nonce,
          title: explanation.learner,
          what: `${explanation.admin} (${(e as Error).message})`,
          fix: explanation.fix,
          correlationId: timeline.correlationId,
          code,
          lms,
          field: isRegistrationError(e) ? e.field : undefined,
        }),
      );
      res.headers.set('x-tether-error', code);
      return res;
    }
  };
}

/** A registration URL the runtime will not read: answered with the registration error page, nothing stored. */
async function unreadable(deps: RuntimeDeps, correlationId: string, error: RequestInputError): Promise<Response> {
  const p = explainOrUnknown(error.code);
  deps.logger.warn({ correlationId, code: error.code, note: error.message }, 'dynamic registration refused: unreadable request');
  const res = await page(error.status, correlationId, (nonce) =>
    registrationErrorPage({ nonce, title: p.learner, what: `${p.admin} (${error.message})`, fix: p.fix, code: error.code, correlationId, field: error.field }),
  );
  res.headers.set('x-tether-error', error.code);
  return res;
}

function platformName(productFamily: string, issuer: string): string {
  const names: Record<string, string> = {
    canvas: 'Canvas',
    moodle: 'Moodle',
    desire2learn: 'Brightspace',
    BlackboardLearn: 'Blackboard Learn',
    sakai: 'Sakai',
    schoology: 'Schoology',
  };
  const host = (() => {
    try {
      return new URL(issuer).host;
    } catch {
      return issuer;
    }
  })();
  return `${names[productFamily] ?? productFamily ?? 'LMS'} (${host})`;
}
