import { ConfigError, loadConfig, type AppConfig } from '../src/config';
import { summarizeConfig } from '../src/config-summary';

// Issue #14, metrics: METRICS, METRICS_PORT and METRICS_HOST, validated with the rest of the environment.

const load = (env: Record<string, string>): AppConfig => loadConfig(env, '/srv/rgchat');

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('metrics configuration', () => {
  test('on by default, on the public port', () => {
    expect(load({}).metrics).toEqual({ kind: 'public' });
    expect(summarizeConfig(load({}))).toMatchObject({ metrics: { kind: 'public' } });
  });

  test('METRICS=false (or 0) turns them off; true/1 keep them on; anything else is refused', () => {
    expect(load({ METRICS: 'false' }).metrics).toEqual({ kind: 'off' });
    expect(load({ METRICS: '0' }).metrics).toEqual({ kind: 'off' });
    expect(load({ METRICS: ' TRUE ' }).metrics).toEqual({ kind: 'public' });
    expect(problemsOf({ METRICS: 'yes' })).toEqual(['METRICS must be true, false, 1 or 0, got "yes"']);
  });

  test('METRICS_PORT moves them to a port of their own, on HOST unless METRICS_HOST says otherwise', () => {
    expect(load({ METRICS_PORT: '9464' }).metrics).toEqual({ kind: 'separate', host: '0.0.0.0', port: 9464 });
    expect(load({ HOST: '10.0.0.5', METRICS_PORT: '9464' }).metrics).toEqual({ kind: 'separate', host: '10.0.0.5', port: 9464 });
    expect(load({ METRICS_PORT: '1', METRICS_HOST: ' 127.0.0.1 ' }).metrics).toEqual({ kind: 'separate', host: '127.0.0.1', port: 1 });
    expect(load({ METRICS_PORT: '65535' }).metrics).toMatchObject({ port: 65_535 });
  });

  test('METRICS_PORT must be 1..65535 in digits', () => {
    expect(problemsOf({ METRICS_PORT: '0' })).toEqual(['METRICS_PORT must be at least 1']);
    expect(problemsOf({ METRICS_PORT: '65536' })).toEqual(['METRICS_PORT must be at most 65535']);
    expect(problemsOf({ METRICS_PORT: '94x' })).toEqual(['METRICS_PORT must be a whole number (digits only), got "94x"']);
    expect(problemsOf({ METRICS_PORT: '' })).toEqual(['METRICS_PORT must be a whole number (digits only), got ""']);
  });

  test('contradictions are refused, naming the variable', () => {
    expect(problemsOf({ METRICS: 'false', METRICS_PORT: '9464' })).toEqual(['METRICS_PORT is set but METRICS is false; unset one of them']);
    expect(problemsOf({ METRICS_HOST: '127.0.0.1' })).toEqual(['METRICS_HOST needs METRICS_PORT (without it metrics are served on PORT)']);
    expect(problemsOf({ PORT: '9464', METRICS_PORT: '9464' })).toEqual(['METRICS_PORT must differ from PORT (9464)']);
    expect(problemsOf({ METRICS_PORT: '9464', METRICS_HOST: '  ' })).toEqual(['METRICS_HOST must not be empty']);
  });

  test('reported together with every other bad variable', () => {
    expect(problemsOf({ PORT: 'x', METRICS: 'maybe' })).toEqual(['PORT must be a whole number (digits only), got "x"', 'METRICS must be true, false, 1 or 0, got "maybe"']);
  });
});
