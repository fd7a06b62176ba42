import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AgentState } from '@meshping/protocol';

@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  hostname!: string;

  @Column({ type: 'text' })
  version!: string;

  /** JSON array of the addresses the agent reported. */
  @Column({ type: 'simple-json' })
  addresses!: string[];

  @Column({ type: 'text' })
  state!: AgentState;

  @Column({ name: 'is_local', type: 'boolean', default: false })
  isLocal!: boolean;

  @Column({ name: 'last_seen_at', type: 'integer', nullable: true })
  lastSeenAt!: number | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
