// A refusal a setting can lift names that setting exactly (a new user met "add its host to
// the dev allow-list" and had to read the source to find TETHER_DEV_INSECURE_HOSTS).
import { describe, expect, it } from 'vitest';
import { explain } from '../src/index.js';

describe('refusals name the setting that lifts them', () => {
  it.each(['insecure_url', 'http_address_refused', 'config_unreachable'])('%s names TETHER_DEV_INSECURE_HOSTS and its format', (code) => {
    const fix = explain(code)?.fix ?? '';
    expect(fix).toContain('TETHER_DEV_INSECURE_HOSTS');
    expect(fix).toMatch(/host(:port| or host:port)/);
  });
});
