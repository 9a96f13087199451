// Flood control for the runtime's open endpoints: in-process counters (approximate per node,
// which is enough to stop a flood, and never a database write on a launch). Protocol
// endpoints are counted per client address, the Grades API per API key.
//
//   /lti/login, /lti/launch (and /lti/launch/continue), /lti/register → the error page via
//   fail() (code `rate_limited`, nothing recorded), 429 + Retry-After (seconds);
//   /api/v1/grades → JSON `{ error: { code: 'rate_limited', message } }`, 429 + Retry-After.
import { getConnInfo } from '@hono/node-server/conninfo';
import { addressBucket, clientAddress, type TrustedProxies } from '@tether/auth/client-address';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RuntimeDeps } from './deps.js';
import { type FailureCode, fail } from './respond.js';

export interface RateLimitOptions {
  /** Requests per minute per client address; 0 turns a limit off (load tests). */
  loginPerMin: number;
  launchPerMin: number;
  registerPerMin: number;
  /** Grades API calls per minute per API key. */
  gradesPerMin: number;
  /** Reverse proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); none by default. */
  trustedProxies: TrustedProxies;
}

export interface KeyLimiter {
  /** Counts one call for `key`: null to go on, or the 429 to answer. */
  consume(key: string): Promise<Response | null>;
}

export interface RuntimeRateLimits {
  /** Middleware for `/lti/*`: counts login, launch and registration requests; other paths pass. */
  protocol: MiddlewareHandler;
  /** The Grades API, per API key — call it after the key is authenticated. */
  grades: KeyLimiter;
}

const RATE_LIMITED: FailureCode = 'rate_limited';

type Bucket = 'login' | 'launch' | 'register';

function bucketOf(path: string): Bucket | undefined {
  if (path === '/lti/login') return 'login';
  if (path === '/lti/launch' || path.startsWith('/lti/launch/')) return 'launch';
  if (path === '/lti/register') return 'register';
  return undefined;
}

const perMinute = (points: number) => (points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : undefined);

/** 0 to go on, otherwise the seconds until `key` may try again. */
async function take(limiter: RateLimiterMemory | undefined, key: string): Promise<number> {
  if (!limiter) return 0;
  try {
    await limiter.consume(key);
    return 0;
  } catch (e) {
    if (e instanceof RateLimiterRes) return Math.max(1, Math.ceil(e.msBeforeNext / 1000));
    throw e;
  }
}

/** The socket's address; none for a request that did not come over a socket (`app.request` in tests). */
function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

export function createRateLimits(deps: RuntimeDeps, opts: RateLimitOptions): RuntimeRateLimits {
  const limiters: Record<Bucket, RateLimiterMemory | undefined> = {
    login: perMinute(opts.loginPerMin),
    launch: perMinute(opts.launchPerMin),
    register: perMinute(opts.registerPerMin),
  };
  const grades = perMinute(opts.gradesPerMin);

  const protocol: MiddlewareHandler = async (c, next) => {
    const bucket = bucketOf(c.req.path);
    if (!bucket) return next();
    const address = clientAddress({ socket: socketAddress(c), forwardedFor: c.req.header('x-forwarded-for'), trustedProxies: opts.trustedProxies });
    const wait = await take(limiters[bucket], addressBucket(address));
    if (wait === 0) return next();
    // No timeline: a refused flood request must not write (that is what it is refused for).
    const res = await fail(deps, null, RATE_LIMITED, { step: 'rate_limit', details: { bucket, address, retry_after_sec: wait } });
    res.headers.set('retry-after', String(wait));
    return res;
  };

  return {
    protocol,
    grades: {
      async consume(key) {
        const wait = await take(grades, key);
        if (wait === 0) return null;
        return Response.json(
          { error: { code: 'rate_limited', message: `Too many requests for this API key: retry after ${wait} seconds.` } },
          { status: 429, headers: { 'retry-after': String(wait), 'cache-control': 'no-store' } },
        );
      },
    },
  };
}
