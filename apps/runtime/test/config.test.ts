// The runtime's settings refuse what they cannot honour, naming the setting.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('runtime configuration', () => {
  it('DB_PREPARED_STATEMENTS is true (default) or false; anything else is refused by name', () => {
    expect(loadConfig({}).DB_PREPARED_STATEMENTS).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }).DB_PREPARED_STATEMENTS).toBe(false);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: 'yes' })).toThrow(/DB_PREPARED_STATEMENTS/);
  });
});
