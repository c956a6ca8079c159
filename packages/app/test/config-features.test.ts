import { FEATURE_NAMES } from '@rgchat/chat-core';
import { ConfigError, loadConfig } from '../src/config';
import { summarizeConfig } from '../src/config-summary';

const load = (env: Record<string, string>) => loadConfig(env, '/srv/rgchat');

describe('FEATURES', () => {
  test('unset: undefined, which core reads as every feature; the startup summary says "all"', () => {
    const c = load({});
    expect(c.features).toBeUndefined();
    expect(summarizeConfig(c)['features']).toBe('all');
  });

  test('a comma list of known names, trimmed, each once', () => {
    expect(load({ FEATURES: ' history, recovery ,history' }).features).toEqual(['history', 'recovery']);
    expect(load({ FEATURES: FEATURE_NAMES.join(',') }).features).toEqual([...FEATURE_NAMES]);
  });

  test('empty turns every extension off', () => {
    expect(load({ FEATURES: '' }).features).toEqual([]);
    expect(load({ FEATURES: ' , ' }).features).toEqual([]);
  });

  test('an unknown name is refused, naming it and the known ones, together with other bad variables', () => {
    let error: ConfigError | undefined;
    try {
      load({ FEATURES: 'history,histroy,Recovery', PORT: 'x' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(2);
    const problem = error!.problems.find((p) => p.startsWith('FEATURES'));
    expect(problem).toMatch(/"histroy", "Recovery"/);
    expect(problem).toContain(FEATURE_NAMES.join(', '));
  });
});
