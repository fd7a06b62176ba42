import { type INestApplication, type LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { createLogger, PinoNestLogger, type Clock } from '@meshping/node-kit';
import { AGENT_WS_PATH, LIVE_WS_PATH } from '@meshping/protocol';
import session from 'express-session';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app/app.module';
import { EventLoopWatchdog } from './app/health/event-loop-watchdog';
import { SessionStore } from './app/access/session.store';
import { AgentGateway } from './app/gateway/agent.gateway';
import { sessionCookieName } from './app/access/session.types';
import { handshakeUsers, SocketAuth } from './app/access/socket-auth';
import type { ServerConfig } from './infra/config/server-config';
import { PublicUrl } from './infra/net/public-url';
import { persistentSecret } from './infra/secrets/secrets';
import { jsonBodyParser } from './infra/http/body-parsing';
import { buildOpenApi, SWAGGER_UI_OPTIONS } from './infra/http/openapi-document';
import { applyConnectionTimeouts, CONNECTION_TIMEOUTS, type ConnectionTimeouts } from './infra/http/server-limits';
import { loadTlsMaterial, type TlsMaterial } from './infra/tls/tls-material';
import { tlsServerOptions } from './infra/tls/tls-policy';
import { MeshpingWsAdapter } from './infra/ws/meshping-ws-adapter';

export const API_PREFIX = 'api';

export interface StartedServer {
  app: INestApplication;
  /** Base URL the server listens on, e.g. https://127.0.0.1:8443 */
  url: string;
  /** SHA-256 fingerprint of the TLS certificate (null with MESHPING_TLS=off). */
  fingerprint: string | null;
}

export interface AppOptions {
  clock?: Clock;
  /** Where Nest and the app log; default: JSON lines on stdout (pino). */
  logger?: LoggerService;
  /** Connection timeouts; default CONNECTION_TIMEOUTS (tests shorten them to see them act). */
  timeouts?: ConnectionTimeouts;
}

export async function createApp(config: ServerConfig, options: AppOptions = {}): Promise<{ app: NestExpressApplication; tls: TlsMaterial | null }> {
  const tls = config.MESHPING_TLS === 'on' ? await loadTlsMaterial(config) : null;
  const logger = options.logger ?? new PinoNestLogger(createLogger('meshping-server', config.MESHPING_LOG_LEVEL));
  const timeouts = options.timeouts ?? CONNECTION_TIMEOUTS;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options.clock, { fingerprint: tls?.fingerprint256 ?? null }), {
    logger,
    abortOnError: false,
    httpsOptions: tls ? tlsServerOptions(tls, timeouts.handshakeMs) : undefined,
    // Replaced by jsonBodyParser() below, which answers bad bodies with 400/413/415 itself.
    bodyParser: false,
  });
  applyConnectionTimeouts(app.getHttpServer(), timeouts);
  // The default logger writes JSON lines to stdout: the watchdog's worker adds its line there while a stall lasts.
  if (!options.logger) app.get(EventLoopWatchdog).writeLiveLinesTo(1);
  const secure = tls !== null || config.MESHPING_TRUST_PROXY !== false;
  app.set('trust proxy', config.MESHPING_TRUST_PROXY);
  app.getHttpAdapter().getInstance().locals['publicUrl'] = new PublicUrl(config);
  app.setGlobalPrefix(API_PREFIX);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // Angular inserts component styles at run time; scripts stay 'self' only.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: tls ? [] : null,
        },
      },
      strictTransportSecurity: tls ? { maxAge: 15_552_000 } : false,
    }),
  );
  app.use(jsonBodyParser());
  if (config.MESHPING_CORS_ORIGINS.length) app.enableCors({ origin: config.MESHPING_CORS_ORIGINS, credentials: true });

  const secret = persistentSecret(config.MESHPING_DATA_DIR, 'session.key');
  app.use(
    session({
      store: app.get(SessionStore),
      secret,
      name: sessionCookieName(secure),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: config.MESHPING_SESSION_IDLE_MINUTES * 60_000 },
    }),
  );
  const socketAuth = app.get(SocketAuth);
  socketAuth.useSecret(secret);
  const agentGateway = app.get(AgentGateway);
  app.useWebSocketAdapter(
    new MeshpingWsAdapter(app, {
      // Connections per address, counted before the socket opens (refused: HTTP 429).
      [AGENT_WS_PATH]: async (req) => agentGateway.admit(req),
      [LIVE_WS_PATH]: async (req) => {
        const result = await socketAuth.verify(req, secure);
        if (result.ok) handshakeUsers.set(req, { user: result.user, sid: result.sid });
        return result;
      },
    }),
  );
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, () => buildOpenApi(app), { ...SWAGGER_UI_OPTIONS, jsonDocumentUrl: `${API_PREFIX}/openapi.json` });
  return { app, tls };
}

export async function startServer(config: ServerConfig, options: AppOptions = {}): Promise<StartedServer> {
  const { app, tls } = await createApp(config, options);
  await app.listen(config.MESHPING_PORT, config.MESHPING_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `${tls ? 'https' : 'http'}://${host}:${address.port}`, fingerprint: tls?.fingerprint256 ?? null };
}
