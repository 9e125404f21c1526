import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

const RP = {
  APP_OIDC_ISSUER: 'https://id.example',
  APP_OIDC_CLIENT_ID: 'bff',
  APP_OIDC_CLIENT_SECRET: 'bff-secret',
};
const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://bff.example',
  SESSION_SECRET: 's'.repeat(32),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('APP_OIDC_* and APP_BACKCHANNEL_LOGOUT', () => {
  it('take the client secret from APP_OIDC_CLIENT_SECRET_FILE, as every secret can', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-secret-'));
    try {
      const file = join(dir, 'app_oidc_client_secret');
      writeFileSync(file, 'secret-from-a-file\n');
      const { APP_OIDC_CLIENT_SECRET: _inline, ...withoutInline } = RP;
      const { relyingParty } = loadConfig({
        ...withoutInline,
        APP_OIDC_CLIENT_SECRET_FILE: file,
      }).config.appOidc;
      expect(relyingParty?.clientSecret).toBe('secret-from-a-file');
      expect(problemsOf({ ...RP, APP_OIDC_CLIENT_SECRET_FILE: file })).toEqual([
        'APP_OIDC_CLIENT_SECRET_FILE: set either APP_OIDC_CLIENT_SECRET or APP_OIDC_CLIENT_SECRET_FILE, not both',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are off unless set: no /login, no back-channel logout', () => {
    expect(loadConfig({}).config.appOidc).toEqual({
      relyingParty: undefined,
      backchannelLogout: undefined,
    });
  });

  it('default to openid profile, PUBLIC_BASE_URL/login/callback and APP_JWT_USER_CLAIM', () => {
    const { relyingParty } = loadConfig({
      ...RP,
      PUBLIC_BASE_URL: 'https://bff.example',
      APP_JWT_USER_CLAIM: 'email',
    }).config.appOidc;
    expect(relyingParty).toMatchObject({
      clientId: 'bff',
      scopes: ['openid', 'profile'],
      allowHttp: false,
      userClaim: 'email',
    });
    expect(relyingParty?.issuer.href).toBe('https://id.example/');
    expect(relyingParty?.redirectUri.href).toBe('https://bff.example/login/callback');
  });

  it('name each missing part of a confidential client', () => {
    expect(problemsOf({ APP_OIDC_ISSUER: 'https://id.example' })).toEqual([
      'APP_OIDC_CLIENT_ID: required with the other APP_OIDC_* settings (a confidential client)',
      'APP_OIDC_CLIENT_SECRET: required with the other APP_OIDC_* settings (a confidential client)',
    ]);
  });

  it('take an http: issuer only on loopback, and never in production', () => {
    expect(problemsOf({ ...RP, APP_OIDC_ISSUER: 'http://127.0.0.1:4000' })).toEqual([]);
    const https =
      'APP_OIDC_ISSUER: must be https: (http: is accepted only on loopback, in development)';
    expect(problemsOf({ ...RP, APP_OIDC_ISSUER: 'http://id.example' })).toEqual([https]);
    expect(problemsOf({ ...PRODUCTION, ...RP, APP_OIDC_ISSUER: 'http://127.0.0.1:4000' })).toEqual([
      https,
    ]);
  });

  it('need openid among the scopes', () => {
    expect(problemsOf({ ...RP, APP_OIDC_SCOPES: 'profile email' })).toEqual([
      'APP_OIDC_SCOPES: must include openid',
    ]);
  });

  it("take logout tokens from the relying party's provider, or else from APP_JWT_* with an issuer and an audience", () => {
    expect(
      loadConfig({ ...RP, APP_BACKCHANNEL_LOGOUT: 'true' }).config.appOidc.backchannelLogout,
    ).toEqual({
      source: 'relying_party',
      perIpPerMinute: 600,
    });
    const appJwt = {
      APP_JWT_SECRET: 'x'.repeat(32),
      APP_JWT_ISSUER: 'https://id.example',
      APP_JWT_AUDIENCE: 'bff',
      APP_BACKCHANNEL_LOGOUT: 'true',
      RATE_LIMIT_BACKCHANNEL_LOGOUT_PER_IP: '5',
    };
    expect(loadConfig(appJwt).config.appOidc.backchannelLogout).toMatchObject({
      source: 'app_jwt',
      perIpPerMinute: 5,
      appJwt: { issuer: 'https://id.example', audience: 'bff' },
    });
    expect(problemsOf({ ...appJwt, APP_JWT_AUDIENCE: '' })).toEqual([
      'APP_BACKCHANNEL_LOGOUT: needs APP_OIDC_* or APP_JWT_SECRET/APP_JWKS_URL with APP_JWT_ISSUER and APP_JWT_AUDIENCE',
    ]);
    expect(problemsOf({ APP_BACKCHANNEL_LOGOUT: 'yes' })).toEqual([
      'APP_BACKCHANNEL_LOGOUT: must be true or false',
    ]);
  });
});
