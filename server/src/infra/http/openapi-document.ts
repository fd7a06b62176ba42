import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ResponsesObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROTOCOL_VERSION } from '@meshping/protocol';
import { BODY_LIMIT_BYTES } from './body-parsing';
import { SERVER_VERSION } from '../build-info';

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The shape of every error answer (Nest's HttpException body; the body parser answers the same). */
const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400, description: 'The HTTP status again' },
    message: {
      description: 'What was wrong: one sentence, or one entry per refused field for validation errors',
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      example: ['latencyThresholdMs must not be greater than 60000'],
    },
    error: { type: 'string', example: 'Bad Request', description: 'The status text' },
  },
};

/** Error answers every operation of a kind can give, with the reason in words. */
function errorsFor(op: OperationObject, method: string): Record<string, string> {
  const params = op.parameters ?? [];
  const hasBody = op.requestBody !== undefined;
  const access = (op as unknown as Record<string, unknown>)['x-meshping-access'] as string | undefined;
  const errors: Record<string, string> = {};
  if (hasBody || params.length > 0) errors['400'] = 'A parameter or a body field is missing or invalid: `message` names each one';
  if (UNSAFE.has(method)) {
    errors['403'] =
      access === 'public'
        ? 'Cross-origin request refused (Origin is neither this server nor an allowed origin)'
        : 'Cross-origin request, missing or wrong X-XSRF-TOKEN (sessions), or a role or token scope that does not allow this';
  }
  if (hasBody) {
    errors['413'] = `The body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`;
    errors['415'] = 'The body is not application/json';
  }
  return errors;
}

/**
 * Completes what the decorators cannot say once per route: the error schema on every 4xx/5xx
 * answer, the 400/403/413/415 answers that the validation pipe, the access guard and the body
 * parser give to every operation of a kind, and a check that each operation has an operationId
 * and a one-line summary (the generated client's function names come from the operationIds).
 */
export function completeDocument(doc: OpenAPIObject): OpenAPIObject {
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas['ErrorResponse'] = ERROR_SCHEMA;
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };
  const missing: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId || /Controller_/.test(op.operationId) || !op.summary) missing.push(`${method.toUpperCase()} ${path}`);
      const responses: ResponsesObject = (op.responses ??= {});
      for (const [status, description] of Object.entries(errorsFor(op, method))) {
        responses[status] ??= { description };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!response || Number(status) < 400 || '$ref' in response) continue;
        response.content ??= errorContent;
      }
      // Stable order (status codes ascending), so the document diffs cleanly.
      op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  if (missing.length > 0) throw new Error(`OpenAPI: these operations need @ApiOperation({ operationId, summary }): ${missing.join(', ')}`);
  return doc;
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Meshping API')
    .setDescription(
      `REST API of the Meshping management server (agent protocol v${PROTOCOL_VERSION}). ` +
        'Two ways in. People: POST /api/auth/login sets an HttpOnly session cookie and answers a csrfToken that every ' +
        'POST/PUT/PATCH/DELETE echoes in the X-XSRF-TOKEN header (in this page, sign in with "login" and writes carry ' +
        'it by themselves). Scripts: an API token in `Authorization: Bearer mpt_...` (no cookie, no CSRF header), ' +
        'created by an admin with the scopes the script needs. Each operation states who may call it in ' +
        'x-meshping-access. Times are epoch milliseconds (UTC); round-trip times are microseconds (fields ending in Us) ' +
        'unless the name says Ms. Every error answers an ErrorResponse.',
    )
    .setVersion(SERVER_VERSION)
    .addCookieAuth('__Host-meshping', {
      type: 'apiKey',
      in: 'cookie',
      description: 'The session cookie set by POST /api/auth/login (HttpOnly: the browser sends it; there is nothing to paste)',
    })
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-XSRF-TOKEN',
        description: 'The csrfToken of the login answer (also in the XSRF-TOKEN cookie). This page copies it into writes by itself',
      },
      'csrf',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token (mpt_...) from POST /api/tokens' }, 'bearer')
    .build();
  return completeDocument(SwaggerModule.createDocument(app, config));
}

/**
 * Swagger UI at /api/docs: after "login" is tried out there, the browser holds the session cookie;
 * this request interceptor copies the readable XSRF-TOKEN cookie into X-XSRF-TOKEN, so writes work
 * without pasting anything. It runs in the browser (serialised by @nestjs/swagger), so it must not
 * close over anything.
 */
export const SWAGGER_UI_OPTIONS = {
  swaggerOptions: {
    persistAuthorization: true,
    displayOperationId: true,
    requestInterceptor: (req: { headers: Record<string, string> }) => {
      const cookie = (globalThis as unknown as { document?: { cookie: string } }).document?.cookie ?? '';
      const match = /(?:^|;\s*)XSRF-TOKEN=([^;]*)/.exec(cookie);
      if (match && !req.headers['X-XSRF-TOKEN']) req.headers['X-XSRF-TOKEN'] = decodeURIComponent(match[1]);
      return req;
    },
  },
};
