import { z } from 'zod';

export const ConsoleConfig = z
  .strictObject({
    demo_login_url: z.url().nullable().meta({
      description: 'A login page the console offers (npm run demo sets it), or null.',
    }),
  })
  .meta({ id: 'ConsoleConfig' });
