import { Inject, Injectable, Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import {
  DEFAULT_DORMANT_AFTER_SECONDS,
  DEFAULT_LATENCY_THRESHOLD_US,
  MAX_DORMANT_AFTER_SECONDS,
  MIN_DORMANT_AFTER_SECONDS,
  MIN_LATENCY_THRESHOLD_MS,
  PROBE_TIMEOUT_MS,
} from '@meshping/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { SettingsTable } from '../../infra/database/settings-table';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import { parseCidr } from '../targets/target-policy';

export interface Settings {
  /** Approved agents become targets of every agent (full mesh). */
  fullMesh: boolean;
  /** A reply slower than this is yellow in the grid, unless its target sets its own threshold. */
  latencyThresholdMs: number;
  /** Samples and gaps older than this many hours are deleted (default: MESHPING_RETENTION_HOURS). */
  retentionHours: number;
  /** CIDR ranges no target address may be in (checked when a target is added or edited). */
  targetDenyRanges: string[];
  /** When not empty, a target address must be in one of these CIDR ranges. */
  targetAllowRanges: string[];
  /** Seconds without a reply from any agent before a target goes dormant (back-off probing); 0 = never. A target may set its own. */
  dormantAfterSeconds: number;
}

export const MIN_RETENTION_HOURS = 1;
export const MAX_RETENTION_HOURS = 8760;
/** Link-local space, where cloud metadata services live (169.254.169.254, fd00:ec2::254 on AWS). */
export const DEFAULT_TARGET_DENY_RANGES = ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'];
export const MAX_TARGET_RANGES = 64;

/** Each setting's row in the settings table. */
const KEYS = {
  fullMesh: 'mesh.full',
  latencyThresholdMs: 'latency.threshold_ms',
  retentionHours: 'retention.hours',
  targetDenyRanges: 'targets.deny_ranges',
  targetAllowRanges: 'targets.allow_ranges',
  dormantAfterSeconds: 'targets.dormant_after_seconds',
} as const satisfies Record<keyof Settings, string>;

/**
 * How each stored text is read: the value, or undefined when it is not a valid one (then the
 * default applies and the bad row is logged). A row written before validation existed, or edited
 * by hand, can never become NaN or null in the running server.
 */
const PARSE: { [K in keyof Settings]: (text: string) => Settings[K] | undefined } = {
  fullMesh: (t) => (t === 'true' ? true : t === 'false' ? false : undefined),
  latencyThresholdMs: (t) => {
    const n = Number(t);
    return t.trim() !== '' && Number.isFinite(n) && n >= MIN_LATENCY_THRESHOLD_MS && n <= PROBE_TIMEOUT_MS ? n : undefined;
  },
  retentionHours: (t) => {
    const n = Number(t);
    return /^\d+$/.test(t) && n >= MIN_RETENTION_HOURS && n <= MAX_RETENTION_HOURS ? n : undefined;
  },
  targetDenyRanges: (t) => parseRanges(t),
  targetAllowRanges: (t) => parseRanges(t),
  dormantAfterSeconds: (t) => {
    const n = Number(t);
    return /^\d+$/.test(t) && (n === 0 || (n >= MIN_DORMANT_AFTER_SECONDS && n <= MAX_DORMANT_AFTER_SECONDS)) ? n : undefined;
  },
};

function parseRanges(text: string): string[] | undefined {
  try {
    const list: unknown = JSON.parse(text);
    if (!Array.isArray(list) || list.length > MAX_TARGET_RANGES) return undefined;
    const ranges = list.map((r) => (typeof r === 'string' ? parseCidr(r)?.text : undefined));
    return ranges.every((r) => r !== undefined) ? (ranges as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Settings admins change at run time, kept in the settings table. */
@Injectable()
export class SettingsService {
  private readonly logger = new Logger(SettingsService.name);
  /** Bad stored values already logged (key=value), so a bad row is reported once, not on every read. */
  private readonly reported = new Set<string>();
  readonly changes$ = new Subject<Settings>();

  constructor(
    private readonly table: SettingsTable,
    private readonly audit: AuditService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  defaults(): Settings {
    return {
      fullMesh: false,
      latencyThresholdMs: DEFAULT_LATENCY_THRESHOLD_US / 1000,
      retentionHours: this.config.MESHPING_RETENTION_HOURS,
      targetDenyRanges: [...DEFAULT_TARGET_DENY_RANGES],
      targetAllowRanges: [],
      dormantAfterSeconds: DEFAULT_DORMANT_AFTER_SECONDS,
    };
  }

  async get(): Promise<Settings> {
    const rows = await this.table.read(Object.values(KEYS));
    const settings = this.defaults();
    for (const name of Object.keys(KEYS) as (keyof Settings)[]) {
      if (!rows.has(KEYS[name])) continue;
      const stored = rows.get(KEYS[name]) ?? null;
      const value = typeof stored === 'string' ? PARSE[name](stored) : undefined;
      if (value !== undefined) (settings as unknown as Record<string, unknown>)[name] = value;
      else this.reportBad(KEYS[name], stored, settings[name]);
    }
    return settings;
  }

  /** Applies validated changes together (all or none), audits them and tells the listeners. */
  async update(changes: Partial<Settings>, actor: Actor, source: string | null): Promise<Settings> {
    const entries: [string, string][] = [];
    for (const name of Object.keys(KEYS) as (keyof Settings)[]) {
      const v = changes[name];
      if (v === undefined) continue;
      const text = Array.isArray(v) ? JSON.stringify(v) : String(v);
      // The DTO refuses such values; this keeps a caller that skipped it from storing one.
      if (PARSE[name](text) === undefined) throw new Error(`refusing to store an invalid ${name}: ${text}`);
      entries.push([KEYS[name], text]);
    }
    await this.table.write(entries);
    const settings = await this.get();
    await this.audit.record({ actor, action: 'settings.updated', detail: { ...changes }, source });
    this.changes$.next(settings);
    return settings;
  }

  private reportBad(key: string, value: string | null, fallback: unknown): void {
    const id = `${key}=${value}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.logger.warn({ event: 'settings.invalid-stored-value', key, value, using: fallback });
  }
}
