import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'targets' })
export class TargetEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'group_name', type: 'text', nullable: true })
  group!: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;

  /** The agent this target was made from (full mesh); null for targets people added. */
  @Column({ name: 'agent_id', type: 'integer', nullable: true })
  agentId!: number | null;

  /** This target's latency threshold in ms (yellow above it); null = the global setting. */
  @Column({ name: 'latency_threshold_ms', type: 'real', nullable: true })
  latencyThresholdMs!: number | null;

  /** Epoch ms it went dormant (no reply from any agent for its set time; probed on the back-off schedule); null while awake. */
  @Column({ name: 'dormant_since', type: 'integer', nullable: true })
  dormantSince!: number | null;

  /** Seconds without any reply before it goes dormant; null = the setting dormantAfterSeconds, 0 = never. */
  @Column({ name: 'dormant_after_seconds', type: 'integer', nullable: true })
  dormantAfterSeconds!: number | null;

  /** Epoch ms of deletion; null while the target is live. */
  @Column({ name: 'deleted_at', type: 'integer', nullable: true })
  deletedAt!: number | null;
}
