import { z } from 'zod';

export const ConsoleConfig = z
  .strictObject({
    oidc_login: z.boolean().meta({
      description: "GET /login signs in through the app's identity provider (APP_OIDC_* is set).",
    }),
    demo_login_url: z.url().nullable().meta({
      description: 'A login page the console offers (npm run demo sets it), or null.',
    }),
  })
  .meta({ id: 'ConsoleConfig' });
