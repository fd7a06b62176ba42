import { RttCode } from '@meshping/protocol';
import { ApiProperty } from '@nestjs/swagger';
import type { ExportColumn } from '../../infra/export/table-export';
import type { PairSamples } from './storage/sample-store';

export type SampleStatus = 'reply' | 'no_reply' | 'unresolved' | 'send_error';

/** The stored outcome in words: an RTT (>= 0) is a reply, the negative RttCodes say what went wrong. */
export function sampleStatus(rtt: number): SampleStatus {
  if (rtt >= 0) return 'reply';
  if (rtt === RttCode.NO_REPLY) return 'no_reply';
  return rtt === RttCode.UNRESOLVED ? 'unresolved' : 'send_error';
}

/** CSV `at_iso,at_ms,rtt_us,status`; JSON the same fields in camelCase; read from the pages' columns as stored. */
export const SAMPLE_COLUMNS: readonly ExportColumn<PairSamples>[] = [
  { csv: 'at_iso', json: 'atIso', get: (p, i) => new Date(p.at[i]).toISOString() },
  { csv: 'at_ms', json: 'atMs', get: (p, i) => p.at[i] },
  { csv: 'rtt_us', json: 'rttUs', get: (p, i) => (p.rtt[i] >= 0 ? p.rtt[i] : null) },
  { csv: 'status', json: 'status', get: (p, i) => sampleStatus(p.rtt[i]) },
];

export const samplesIn = (page: PairSamples): number => page.at.length;

/** An element of the JSON export (documentation; the rows are written by SAMPLE_COLUMNS). */
export class ExportedSampleDto {
  @ApiProperty({ example: '2026-12-03T12:00:05.000Z', description: 'Probe time, ISO 8601 UTC (ms)' }) atIso!: string;
  @ApiProperty({ example: 1796299205000, description: 'Probe time, epoch ms' }) atMs!: number;
  @ApiProperty({ type: Number, nullable: true, example: 1250, description: 'Round-trip time, µs; null unless status is reply' }) rttUs!: number | null;
  @ApiProperty({
    enum: ['reply', 'no_reply', 'unresolved', 'send_error'],
    description: 'reply: an echo reply came back; no_reply: none within the timeout (loss); unresolved: the agent could not resolve the target\'s name; send_error: the agent could not send the probe. The last two are the agent\'s problems, not loss.',
  })
  status!: SampleStatus;
}
