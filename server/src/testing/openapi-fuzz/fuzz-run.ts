import { roleAllows, type Role } from '../../app/access/roles';
import { TOKEN_SCOPES } from '../../app/access/token-scopes';
import { TestAgent } from '../test-agent';
import type { TestClient } from '../ws-client';
import { casesFor, toRequest, windowCases, type Case, type Fixture } from './cases';
import type { KnownFinding } from './known-findings';
import { opName, operations, type OpenApiDocument, type Operation } from './openapi';
import { Principal, type RoleName } from './principals';
import { send, type FuzzRequest } from './send';
import { type Hints, type Random } from './values';
import { verdict } from './verdict';

/** A notification receiver URL for the fuzzer: loopback, where nothing listens. */
const LOOPBACK_RECEIVER = 'http://127.0.0.1:9/fuzz';

export interface Finding {
  role: RoleName;
  request: FuzzRequest;
  problem: string;
  answer: string;
}

/** A request that got no answer within the bound: the server is stuck, so the run stops there. */
export class HangError extends Error {}

export interface FuzzOptions {
  url: string;
  doc: OpenApiDocument;
  random: Random;
  principals: Principal[];
  /** The pair of the agent that delivers results during the fuzz (read-only routes only ever name it). */
  pair: { agentId: number; targetId: number };
  setupCode: string;
  skip: readonly KnownFinding[];
  timeoutMs: number;
}

// Last: operations that end sessions or change secrets (the principals sign in again before the next case).
const LATE = ['POST /api/auth/logout', 'PUT /api/auth/password', 'POST /api/enrollment/rotate', 'DELETE /api/users/{id}'];
const order = (op: Operation) => LATE.indexOf(opName(op)) + (op.method === 'GET' ? -2 : 0);

/** Every operation of the document, as every principal, with valid and mutated requests; answers judged. */
export class FuzzRun {
  readonly findings: Finding[] = [];
  readonly statuses = new Map<string, Map<number, number>>();
  readonly ops: Operation[];
  requests = 0;
  /** The request in flight (for the health probe's report). */
  current = 'nothing';
  skipped = 0;
  /** Writes made with a token that were found in the audit log under the token's name. */
  tokenWritesAudited = 0;
  private counter = 0;
  private resetToken = '';
  private passphrase = '';
  private readonly links: TestClient[] = [];
  /** Per token principal: the newest audit entry id seen with that token as the actor. */
  private readonly audited = new Map<RoleName, number>();

  constructor(private readonly o: FuzzOptions) {
    this.ops = operations(o.doc).sort((a, b) => order(a) - order(b));
  }

  private get admin(): Principal {
    return this.o.principals.find((p) => p.role === 'admin') as Principal;
  }

  async run(): Promise<void> {
    for (const op of this.ops) {
      const fixture = await this.fixture(op);
      for (const principal of this.o.principals) {
        const allowed = this.allows(principal, op);
        const cases = [...casesFor(this.o.doc, op, fixture, this.o.random, this.hints(principal), allowed ? 3 : 1, allowed ? 0 : 8), ...windowCases(op, fixture, Date.now())];
        await principal.ensureSession();
        for (const c of cases) await this.one(principal, c, allowed);
      }
    }
  }

  /** Closes the fixture agents' links. */
  close(): void {
    for (const link of this.links) link.socket.terminate(); // the server may be gone: no closing handshake to wait for
  }

  private allows(p: Principal, op: Operation): boolean {
    const access = op.access;
    if (access === 'public') return true;
    if (p.usesToken) return op.tokenScopes.some((s) => p.scopes.includes(s));
    if (access.startsWith('token:') || !p.signsIn) return false;
    return access === 'self' || roleAllows(p.role as Role, access as Role);
  }

  private async one(principal: Principal, c: Case, allowed: boolean): Promise<void> {
    const now = Date.now();
    if (this.o.skip.some((k) => k.matches(c, now))) {
      this.skipped += 1;
      return;
    }
    // Sign-in operations may have ended the session with the previous case.
    if (/^\/api\/(auth|users)/.test(c.op.path)) await principal.ensureSession();
    const request = toRequest(c, principal.headers(c.op.method));
    this.requests += 1;
    this.current = `[${principal.role}] ${request.label}`;
    let answer;
    try {
      answer = await send(this.o.url, request, this.o.timeoutMs, principal.source);
    } catch (err) {
      const hang = (err as { hang?: boolean }).hang;
      this.findings.push({ role: principal.role, request, problem: hang ? `no answer within ${this.o.timeoutMs} ms` : `connection failed: ${(err as Error).message}`, answer: '' });
      if (hang) throw new HangError(`${principal.role} ${request.method} ${request.path.slice(0, 200)} (${request.label}): no answer within ${this.o.timeoutMs} ms`);
      return;
    }
    principal.absorb(answer.setCookie);
    const byStatus = this.statuses.get(opName(c.op)) ?? new Map<number, number>();
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    this.statuses.set(opName(c.op), byStatus);
    const ok = answer.status >= 200 && answer.status < 300;
    // The document's x-meshping-access and x-meshping-token-scopes say who may call it: nobody else gets a 2xx.
    const intruded = ok && !allowed ? `${answer.status} for a principal the document does not allow (${c.op.access}; tokens: ${c.op.tokenScopes.join(' ') || 'none'})` : null;
    const problem = verdict(this.o.doc, c, answer) ?? intruded ?? (await this.auditedAsToken(principal, c, answer.status));
    if (problem) this.findings.push({ role: principal.role, request, problem, answer: `${answer.status} ${answer.text.slice(0, 300)}` });
  }

  /** A write a token made (2xx) must be in the audit log with the token named as the actor. */
  private async auditedAsToken(p: Principal, c: Case, status: number): Promise<string | null> {
    if (!p.usesToken || c.op.method === 'GET' || status < 200 || status >= 300) return null;
    const admin = this.admin;
    await admin.ensureSession();
    const actor = `token:fuzz ${p.role} (by ${admin.username})`;
    const entries = (await admin.client.get<{ id: number; actor: string | null }[]>('/api/audit?limit=20')).body;
    const mine = entries.filter((e) => e.actor === actor && e.id > (this.audited.get(p.role) ?? 0));
    if (mine.length === 0) return `${status} for a write with a token, but no new audit entry names "${actor}"`;
    this.audited.set(p.role, Math.max(...mine.map((e) => e.id)));
    this.tokenWritesAudited += 1;
    return null;
  }

  /** Valid path values: a fresh object for routes that take an id (admin makes it), the fuzz agent's pair for the rest. */
  private async fixture(op: Operation): Promise<Fixture> {
    const admin = this.admin;
    await admin.ensureSession();
    const n = ++this.counter;
    const created = async (path: string, body: unknown) => {
      const res = await admin.client.post(path, body);
      if (res.status !== 201 && res.status !== 200) throw new Error(`fixture ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    if (op.path.startsWith('/api/users/')) return { path: { id: String((await created('/api/users', { username: `fixture-${n}`, password: 'fixture password', role: 'viewer' })).id) } };
    if (op.path.startsWith('/api/tokens/')) return { path: { id: String((await created('/api/tokens', { name: `fixture ${n}`, scopes: ['metrics:read'] })).id) } };
    if (op.path.startsWith('/api/targets/{id}')) return { path: { id: String((await created('/api/targets', { address: `fixture-${n}.example` })).id) } };
    if (op.path.startsWith('/api/agents/{id}')) {
      if (!this.passphrase) this.passphrase = (await admin.client.get('/api/enrollment')).body.passphrase;
      const { link, agentId } = await new TestAgent(this.o.url, `fixture-${n}`).register(this.passphrase);
      // Its link stays open (pending), as a real agent waits for approval; closed at the end.
      this.links.push(link);
      return { path: { id: String(agentId) } };
    }
    if (op.path.startsWith('/api/alert-rules/{id}')) return { path: { id: String((await created('/api/alert-rules', { name: `fixture ${n}`, metric: 'consecutive_lost', threshold: 5 })).id) } };
    // Receivers on loopback only (port 9: nothing listens, a send fails at once): test traffic never leaves the machine.
    if (op.path.startsWith('/api/notification-channels/{id}')) return { path: { id: String((await created('/api/notification-channels', { name: `fixture ${n}`, kind: 'webhook', url: LOOPBACK_RECEIVER })).id) } };
    if (op.path.startsWith('/api/maintenance-windows/{id}')) return { path: { id: String((await created('/api/maintenance-windows', { reason: `fixture ${n}`, agentGroup: `fixture-${n}`, endsAt: Date.now() + 3_600_000 })).id) } };
    if (op.path.startsWith('/api/pairs/')) return { path: { agentId: String(this.o.pair.agentId), targetId: String(this.o.pair.targetId) } };
    if (op.path === '/api/auth/reset') {
      const user = await created('/api/users', { username: `fixture-${n}`, password: 'fixture password', role: 'viewer' });
      const link = await created(`/api/users/${user.id}/reset-link`, {});
      this.resetToken = new URL(link.link).searchParams.get('token') ?? '';
    }
    return { path: {} };
  }

  /** Values a valid request needs that the schema cannot give: this principal's password, unique names. */
  private hints(p: Principal): Hints {
    return (schema, field, random) => {
      const n = ++this.counter;
      switch (`${schema}.${field}`) {
        case 'LoginDto.username': return p.username || 'admin';
        case 'LoginDto.password': return p.password || 'not the password';
        case 'ChangePasswordDto.currentPassword':
        case 'ChangePasswordDto.newPassword': return p.password || 'not the password';
        case 'SetupDto.setupCode': return this.o.setupCode;
        case 'ResetPasswordDto.token': return this.resetToken || 'no-such-token';
        case 'CreateUserDto.username':
        case 'SetupDto.username': return `fuzz-${n}`;
        case 'CreateUserDto.email':
        case 'SetupDto.email':
        case 'UpdateUserDto.email': return `fuzz-${n}@example.com`;
        case 'CreateTargetDto.address':
        case 'UpdateTargetDto.address':
        case 'SelfRegisterDto.address': return random() < 0.5 ? `192.0.2.${1 + (n % 250)}` : `fuzz-${n}.example`;
        case 'CreateTokenDto.name': return `fuzz ${n}`;
        case 'CreateTokenDto.scopes': return [...TOKEN_SCOPES].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 3));
        case 'CreateChannelDto.url':
        case 'UpdateChannelDto.url': return LOOPBACK_RECEIVER;
        case 'CreateChannelDto.name':
        case 'CreateAlertRuleDto.name': return `fuzz ${n}`;
        case 'WakeDto.mac': return '00:11:22:aa:bb:cc';
        case 'WakeDto.broadcast': return '192.0.2.255';
        case 'ApproveDto.ip': return '127.0.0.1';
        case 'query.since':
        case 'query.from': return Date.now() - 3_600_000;
        case 'query.to': return Date.now();
        case 'CreateMaintenanceWindowDto.endsAt': return Date.now() + 3_600_000;
        case 'CreateMaintenanceWindowDto.startsAt': return Date.now();
        default: return undefined;
      }
    };
  }
}
