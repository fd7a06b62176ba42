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

  /** Epoch ms of deletion; null while the target is live. */
  @Column({ name: 'deleted_at', type: 'integer', nullable: true })
  deletedAt!: number | null;
}
