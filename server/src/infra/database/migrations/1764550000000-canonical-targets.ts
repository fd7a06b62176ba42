import { checkTargetAddress } from '@meshping/protocol';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Target addresses are stored in canonical form from now on (libs/protocol checkTargetAddress),
 * and uniqueness compares that form. Live targets stored before are brought to it: a target whose
 * address is refused outright (0.0.0.0, 255.255.255.255, multicast, 0x7f000001 ...) and a later
 * duplicate of an earlier one (::0001 beside ::1) are deleted as tombstones (their history stays,
 * like any deleted target's), each with an audit entry saying why; the rest are rewritten.
 */
export class CanonicalTargets1764550000000 implements MigrationInterface {
  name = 'CanonicalTargets1764550000000';

  async up(q: QueryRunner): Promise<void> {
    const now = Date.now();
    const rows: { id: number; address: string }[] = await q.query('SELECT id, address FROM targets WHERE deleted_at IS NULL ORDER BY id');
    const kept = new Map<string, number>();
    const rewrites: { id: number; address: string }[] = [];
    const removals: { id: number; address: string; why: string }[] = [];
    for (const { id, address } of rows) {
      const r = checkTargetAddress(address);
      if (!r.ok) removals.push({ id, address, why: r.reason });
      else if (kept.has(r.address)) removals.push({ id, address, why: `the same address as target ${kept.get(r.address)} (${r.address})` });
      else {
        kept.set(r.address, id);
        if (r.address !== address) rewrites.push({ id, address: r.address });
      }
    }
    // Removals first: a rewrite must not collide with a duplicate still live (unique index).
    for (const { id, address, why } of removals) {
      await q.query('UPDATE targets SET deleted_at = ? WHERE id = ?', [now, id]);
      await q.query("INSERT INTO audit_log (at, action, subject, detail) VALUES (?, 'target.deleted', ?, ?)", [
        now,
        `target:${address}`,
        JSON.stringify({ id, reason: `upgrade to canonical target addresses: ${why}` }),
      ]);
    }
    for (const { id, address } of rewrites) await q.query('UPDATE targets SET address = ? WHERE id = ?', [address, id]);
    // Agents and browsers holding the old list fetch the new one.
    if (removals.length || rewrites.length) await q.query("UPDATE settings SET value = CAST(value AS INTEGER) + 1 WHERE key = 'targets.version'");
  }

  async down(): Promise<void> {
    // The old spellings are not kept; canonical addresses are valid for the previous version too.
  }
}
