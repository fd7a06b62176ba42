import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'audit_log' })
export class AuditEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Epoch ms. */
  @Column({ type: 'integer' })
  at!: number;

  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  /** Username at the time (kept when the user is deleted), or a system actor such as "setup". */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  detail!: Record<string, unknown> | null;

  /** Source address of the request. */
  @Column({ type: 'text', nullable: true })
  source!: string | null;
}
