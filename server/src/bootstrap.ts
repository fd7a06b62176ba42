import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { createLogger, PinoNestLogger, type Clock } from '@meshping/node-kit';
import { PROTOCOL_VERSION } from '@meshping/protocol';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app/app.module';
import type { ServerConfig } from './infra/config/server-config';

export const API_PREFIX = 'api';

export interface StartedServer {
  app: INestApplication;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
}

export async function createApp(config: ServerConfig, clock?: Clock): Promise<INestApplication> {
  const logger = new PinoNestLogger(createLogger('meshping-server', config.MESHPING_LOG_LEVEL));
  const app = await NestFactory.create(AppModule.forRoot(config, clock), { logger, abortOnError: false });
  app.setGlobalPrefix(API_PREFIX);
  // Our gateways read frames themselves (validated against libs/protocol), so Nest's parser stays idle.
  app.useWebSocketAdapter(new WsAdapter(app, { messageParser: () => undefined }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, () => buildOpenApi(app), { jsonDocumentUrl: `${API_PREFIX}/openapi.json` });
  return app;
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Meshping API')
    .setDescription(`REST API of the Meshping management server (agent protocol v${PROTOCOL_VERSION}).`)
    .setVersion('0.1.0')
    .build();
  return SwaggerModule.createDocument(app, config);
}

export async function startServer(config: ServerConfig, clock?: Clock): Promise<StartedServer> {
  const app = await createApp(config, clock);
  await app.listen(config.MESHPING_PORT, config.MESHPING_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `http://${host}:${address.port}` };
}
