import { z } from 'zod';

export const HealthAnswer = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

export const ReadyAnswer = z
  .strictObject({
    status: z.literal('ready'),
    store: z.enum(['redis', 'memory']).meta({ description: 'Which store answered.' }),
  })
  .meta({ id: 'Ready' });
