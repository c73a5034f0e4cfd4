import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { whoMayCall } from './infrastructure/http/openapi-access.js';
import { completeOpenApiDocument } from './infrastructure/http/openapi-completion.js';
import { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import multipart from '@fastify/multipart';
import { AppModule } from './app.module.js';
import { IMPORT_MAX_BYTES } from './modules/customers/imports/customer-imports.service.js';
import { boundedJsonParser } from './common/http/bounded-json.js';
import { answerClientError, answerFrameworkError } from './common/errors/edge-errors.js';
import type { AppConfig } from './infrastructure/config/app-config.js';
import { createRootLogger, loggedUrl, NestPinoLogger } from './infrastructure/logging/logger.js';
import type { DestinationStream } from 'pino';
import { MetricsService } from './infrastructure/metrics/metrics.service.js';
import { mountQueuesDashboard } from './modules/admin/queues-dashboard.js';

export const API_PREFIX = 'api/v1';
const BODY_LIMIT_BYTES = 1024 * 1024;
export const QUEUES_DASHBOARD_PATH = `/${API_PREFIX}/admin/queues/ui`;

/**
 * Builds the Nest application for the configured role; the caller listens (or tests inject). With
 * `shutdownHooks` (the default) SIGINT/SIGTERM close it; the embedded mode turns them off and closes
 * the application itself, before the embedded PostgreSQL it runs on. `logDestination`: where the log
 * lines go instead of stdout (a test that reads them).
 */
export async function createApp(
  config: AppConfig,
  { shutdownHooks = true, logDestination }: { shutdownHooks?: boolean; logDestination?: DestinationStream } = {},
): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request, written below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    trustProxy: config.TRUST_PROXY_HOPS ? (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS : false,
    bodyLimit: BODY_LIMIT_BYTES,
    // A client that trickles its headers or body holds a connection and a parser for ever unless cut
    // off (Fastify's default requestTimeout of 0 even turns off Node's own 300 s): the whole request
    // must arrive within HTTP_REQUEST_TIMEOUT_MS, the headers within 10 s of it, checked every second;
    // a late one gets 408 problem details (edge-errors.ts) and a closed connection (issue 11, item 7).
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(10_000, config.HTTP_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1_000, config.HTTP_REQUEST_TIMEOUT_MS),
    },
    requestIdHeader: false,
    // Errors raised before any route runs are problem details with a request id, like the rest.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
      request.headers['x-request-id'] = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    logger: new NestPinoLogger(logger),
  });
  if (shutdownHooks) app.enableShutdownHooks();
  // Nesting and array lengths are bounded while the text is scanned, before JSON.parse and before
  // class-transformer walks the body (which overflowed the stack on 1,500 nested arrays).
  app.useBodyParser(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    boundedJsonParser(app.getHttpAdapter().getInstance()),
  );

  const fastify = app.getHttpAdapter().getInstance();
  // multipart/form-data, for CSV imports only: parsed lazily by the route (request.parts()), its file
  // streamed to the database, so the JSON body limit does not apply and nothing is buffered whole.
  await app.register(multipart, {
    limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 5, fieldSize: 64 * 1024 },
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const level = reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) {
      request.log[level](
        {
          method: request.method,
          url: loggedUrl(request.url),
          route,
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
  });

  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });

  if (config.PROCESS_ROLE !== 'worker') {
    const document = completeOpenApiDocument(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('CRM API')
          .setDescription(
            'Shared customer database, loyalty, service, sales and outreach. Errors are RFC 9457 problem details.',
          )
          .setVersion('1')
          .addBearerAuth({
            type: 'http',
            scheme: 'bearer',
            description: 'A user access token from /auth/login, or a partner API key (crm_…)',
          })
          .build(),
      ),
      whoMayCall(app),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
    await mountQueuesDashboard(app, config, QUEUES_DASHBOARD_PATH);
  }
  return app;
}
