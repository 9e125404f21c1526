import { ConfigError, loadConfig } from '../../src/config';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('INTERNAL_PORT, INTERNAL_HOST', () => {
  it('are off by default', () => {
    expect(loadConfig({}).config.internal).toBeUndefined();
  });

  it('listen on loopback unless told otherwise', () => {
    expect(loadConfig({ INTERNAL_PORT: '9464' }).config.internal).toEqual({
      port: 9464,
      host: '127.0.0.1',
    });
    expect(
      loadConfig({ INTERNAL_PORT: '9464', INTERNAL_HOST: '10.0.0.5' }).config.internal,
    ).toEqual({ port: 9464, host: '10.0.0.5' });
  });

  it.each(['0', '65536', '94x', '-1', '3000'])('refuse INTERNAL_PORT=%s, naming it', (port) => {
    expect(problemsOf({ INTERNAL_PORT: port })).toEqual([
      expect.stringMatching(/^INTERNAL_PORT: must /),
    ]);
  });
});
