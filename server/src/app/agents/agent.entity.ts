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

  /** Ed25519 public key (SPKI DER, base64url) of an enrolled agent; null for the local agent. */
  @Column({ name: 'public_key', type: 'text', nullable: true })
  publicKey!: string | null;

  /** The source address approved for this agent; another one puts it on hold. */
  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'approved_at', type: 'integer', nullable: true })
  approvedAt!: number | null;

  @Column({ name: 'is_local', type: 'boolean', default: false })
  isLocal!: boolean;

  /** Its group (until sites exist, an agent group and a target group of the same name are one site). */
  @Column({ name: 'group_name', type: 'text', nullable: true })
  group!: string | null;

  @Column({ name: 'last_seen_at', type: 'integer', nullable: true })
  lastSeenAt!: number | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
