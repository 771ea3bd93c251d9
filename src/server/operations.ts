/** The routes an operator's tools call: `GET /health` (`{"status": "ok"}`) and `GET /metrics` (Prometheus text). */
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './metrics.js';

/** Adds `/health` and `/metrics` to `app`. */
export function operationRoutes(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
