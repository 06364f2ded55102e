import { ConfigError } from '@verbatim/common';
import { loadConfig } from './config.js';

describe('billing configuration', () => {
  it('has local defaults: gRPC 50053, ops 9103, schema billing, no payment provider', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ GRPC_PORT: 50053, OPS_PORT: 9103, DATABASE_SCHEMA: 'billing', DEFAULT_PLAN: 'payg', COST_PER_CPU_SECOND_MICROS: 12.4 });
    expect(c.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('takes fractional unit costs and reports every problem at once', () => {
    expect(loadConfig({ COST_PER_CPU_SECOND_MICROS: '3.25' }).COST_PER_CPU_SECOND_MICROS).toBe(3.25);
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x', DEFAULT_PRICE_PER_MINUTE_MICROS: '1.5', RESERVATION_TTL_SECONDS: '0' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('STRIPE_WEBHOOK_SECRET');
      expect(problems).toContain('DEFAULT_PRICE_PER_MINUTE_MICROS');
      expect(problems).toContain('RESERVATION_TTL_SECONDS');
    }
  });
});
