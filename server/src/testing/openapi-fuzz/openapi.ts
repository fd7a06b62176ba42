/** The parts of an OpenAPI 3 document the fuzzer reads. */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  example?: unknown;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; 'x-meshping-access'?: string; 'x-meshping-token-scopes'?: string[] }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

/** One operation: method + path template, with its parameters and body schema resolved. */
export interface Operation {
  method: string;
  /** e.g. /api/pairs/{agentId}/{targetId}/stats */
  path: string;
  /** public, self, viewer, operator, admin or token:<scope> (x-meshping-access). */
  access: string;
  /** API token scopes that may call it (x-meshping-token-scopes; empty: sessions only). */
  tokenScopes: string[];
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** Resolved body schema, and the component's name (e.g. UpdateSettingsDto), if it takes a body. */
  body?: { name: string; schema: Schema };
}

export const opName = (op: Pick<Operation, 'method' | 'path'>) => `${op.method} ${op.path}`;

/** Follows $ref within the document's components (local refs only: this document has no others). */
export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  for (let depth = 0; s.$ref && depth < 20; depth++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolvable $ref ${s.$ref}`);
    s = target;
  }
  return s;
}

export function operations(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        access: op['x-meshping-access'] ?? 'undeclared',
        tokenScopes: op['x-meshping-token-scopes'] ?? [],
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: bodySchema ? { name: bodySchema.$ref?.replace('#/components/schemas/', '') ?? 'inline', schema: resolve(doc, bodySchema) } : undefined,
      });
    }
  }
  return ops;
}
