import { z } from 'zod';
import { HealthAnswer, ReadyAnswer } from '../ops/ops-schemas';
import { json, type PathContext } from './operation-parts';

/** The probes, the metrics and this document. */
export function registerOpsPaths({ register, problems }: PathContext): void {
  register({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tags: ['operations'],
    summary: 'Liveness: 200 while the process runs',
    responses: { 200: json(HealthAnswer, 'The process runs.') },
    problems: [],
  });
  register({
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    tags: ['operations'],
    summary: 'Readiness: 200 when the store answers, else 503',
    responses: { 200: json(ReadyAnswer, 'The store answered.') },
    problems: problems.STORE,
  });
  register({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
    problems: [],
  });
  register({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tags: ['operations'],
    summary: 'This document',
    responses: {
      200: {
        description: 'OpenAPI 3.1, generated from the schemas that validate requests.',
        content: {
          'application/json': {
            schema: z.looseObject({ openapi: z.string(), info: z.object({}), paths: z.object({}) }),
          },
        },
      },
    },
    problems: [],
  });
}
