import { PROVIDERS } from '../../src/app';
import { loadConfig } from '../../src/config';
import { runDoctorCommand } from '../../src/ops/operator-commands';
import { CLIENT_SECRET, oidcEnv } from '../support/oidc-login';
import { startOidcStandIn, type OidcStandIn } from '../support/oidc-stand-in';
import { BASE_ENV } from '../support/test-app';

let standIn: OidcStandIn;
beforeAll(async () => {
  standIn = await startOidcStandIn();
});
afterAll(() => standIn.close());

/** `token-bff doctor`'s line for the identity provider, on these settings. */
async function doctorLine(issuer: string): Promise<string | undefined> {
  const { config } = loadConfig({
    ...BASE_ENV,
    REDIS_URL: process.env.REDIS_URL,
    ...oidcEnv(issuer),
    LOG_LEVEL: 'silent',
  });
  let out = '';
  const checks = PROVIDERS.flatMap((provider) => provider.doctorChecks(config));
  await runDoctorCommand(config, { write: (text: string) => (out += text) }, checks);
  expect(out).not.toContain(CLIENT_SECRET);
  return out.split('\n').find((l) => l.includes('identity provider discovery'));
}

it('says ok when the issuer discovers as itself, with what a sign-in needs', async () => {
  expect(await doctorLine(standIn.issuer)).toMatch(
    /^ok +identity provider discovery +http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: http:\/\/127\.0\.0\.1:\d+, with an end-session endpoint$/,
  );
});

it('fails when there is no discovery document at the issuer', async () => {
  expect(await doctorLine(`${standIn.issuer}/elsewhere`)).toMatch(
    /^FAIL +identity provider discovery .* answered 404$/,
  );
});

it('has no line without APP_OIDC_*', async () => {
  const { config } = loadConfig({ ...BASE_ENV, LOG_LEVEL: 'silent' });
  const names = PROVIDERS.flatMap((provider) => provider.doctorChecks(config)).map((c) => c.check);
  expect(names).not.toContain('identity provider discovery');
});
