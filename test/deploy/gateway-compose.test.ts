import { existsSync } from 'node:fs';
import { gatewayConfig } from '../support/nginx';
import { composeModel } from './compose-config';

// `docker compose --profile gateway up` as compose would start it: deploy/nginx's files where
// the nginx image reads them, and a template its environment fills in completely.

const services = () => composeModel().services;

it('mounts deploy/nginx where the nginx image reads templates, snippets and entrypoint scripts', () => {
  // Compose v1.29 writes each as source:target:mode.
  const mounts = Object.fromEntries(
    (services().gateway!.volumes ?? []).map((v): [string, string] => {
      if (typeof v !== 'string') return [v.target, v.source];
      const [source, target] = v.split(':');
      return [target!, source!];
    }),
  );
  expect(Object.keys(mounts).sort()).toEqual([
    '/docker-entrypoint.d/15-token-bff-upstreams.envsh',
    '/etc/nginx/templates',
    '/etc/nginx/token-bff',
  ]);
  for (const source of Object.values(mounts)) expect(existsSync(source)).toBe(true);
});

it("fills the template from its environment, asking token-bff's unpublished internal port", () => {
  const { gateway, 'token-bff': bff } = services();
  const env = gateway!.environment as Record<string, string>;
  const conf = gatewayConfig(env);
  expect(conf).toContain('server token-bff:9464;');
  expect(conf).toContain('server api.like.co:443;');
  expect(bff!.environment!.INTERNAL_PORT).toBe('9464');
  expect(bff!.ports).toBeUndefined();
  expect(Object.keys(gateway!.networks!)).toEqual(['edge']);
});
