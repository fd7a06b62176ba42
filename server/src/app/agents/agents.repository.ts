import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AgentEntity } from './agent.entity';

/** What a key login reads and changes of an agent: no ORM entity on this path (see recordLogin). */
export type AgentLogin = Pick<AgentEntity, 'id' | 'state' | 'publicKey' | 'ip'>;
const LOGIN_COLUMNS = 'id, state, public_key AS publicKey, ip';

@Injectable()
export class AgentsRepository implements BeforeApplicationShutdown {
  constructor(@InjectRepository(AgentEntity) private readonly repo: Repository<AgentEntity>) {}

  findAll(): Promise<AgentEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  findById(id: number): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findLocal(): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { isLocal: true } });
  }

  findByPublicKey(publicKey: string): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { publicKey } });
  }

  /*
   * The key-login path in plain SQL: after a restart every agent logs in within seconds, and
   * TypeORM's findOne/save (a SELECT before each UPDATE, inside BEGIN/COMMIT, entity hydration)
   * was most of the ~5 ms of server CPU a login cost (docs/architecture.md, "Restart and
   * reconnect storm"). One indexed SELECT at the hello, one by id and one UPDATE at the response.
   */
  async findLoginByPublicKey(publicKey: string): Promise<AgentLogin | null> {
    const rows: AgentLogin[] = await this.repo.query(`SELECT ${LOGIN_COLUMNS} FROM agents WHERE public_key = ?`, [publicKey]);
    return rows[0] ?? null;
  }

  async findLoginById(id: number): Promise<AgentLogin | null> {
    const rows: AgentLogin[] = await this.repo.query(`SELECT ${LOGIN_COLUMNS} FROM agents WHERE id = ?`, [id]);
    return rows[0] ?? null;
  }

  /** What a key login changes: the agent's own report, its address and state, last seen. */
  async recordLogin(id: number, fields: Pick<AgentEntity, 'hostname' | 'version' | 'addresses' | 'state' | 'ip'> & { lastSeenAt: number }): Promise<void> {
    await this.repo.query('UPDATE agents SET hostname = ?, version = ?, addresses = ?, state = ?, ip = ?, last_seen_at = ? WHERE id = ?', [
      fields.hostname,
      fields.version,
      JSON.stringify(fields.addresses),
      fields.state,
      fields.ip,
      fields.lastSeenAt,
      id,
    ]);
  }

  save(agent: AgentEntity): Promise<AgentEntity> {
    return this.repo.save(agent);
  }

  create(fields: Omit<AgentEntity, 'id' | 'createdAt'>): Promise<AgentEntity> {
    return this.repo.save(this.repo.create(fields));
  }

  async setGroup(id: number, group: string | null): Promise<void> {
    await this.repo.update({ id }, { group });
  }

  async delete(id: number): Promise<void> {
    await this.repo.delete({ id });
  }

  /**
   * Records when agents were last seen. Calls within one event-loop turn share one UPDATE (when a
   * network cut closes 1,000 agent links at once, one statement instead of 1,000: those took the
   * event loop ~400 ms); each call resolves once its row is written.
   */
  touch(id: number, at: number): Promise<void> {
    // Shutting down: the links the server closes are written at once, before the database closes.
    if (this.shuttingDown) return this.repo.update({ id }, { lastSeenAt: at }).then(() => undefined);
    this.touched.set(id, Math.max(at, this.touched.get(id) ?? 0));
    this.touchWrite ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const rows = [...this.touched];
      this.touched.clear();
      this.touchWrite = null;
      // Each row its own time (a link noticed dead was last seen a minute ago, not now): one CASE per statement.
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const params: Record<string, number> = {};
        const cases = chunk.map(([rowId, t], k) => ((params[`i${k}`] = rowId), (params[`t${k}`] = t), `WHEN :i${k} THEN :t${k}`)).join(' ');
        await this.repo
          .createQueryBuilder()
          .update()
          .set({ lastSeenAt: () => `CASE id ${cases} END` })
          .where({ id: In(chunk.map(([rowId]) => rowId)) })
          .setParameters(params)
          .execute();
      }
    });
    return this.touchWrite;
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  private shuttingDown = false;
  private readonly touched = new Map<number, number>();
  private touchWrite: Promise<void> | null = null;
}
