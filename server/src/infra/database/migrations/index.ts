// Every schema change in order: the server runs them at start (database.module.ts), and so does the
// bench's in-process storage simulation (tools/bench/day-sim.ts). A new migration goes at the end.
import { InitialSchema1763769600000 } from './1763769600000-initial-schema';
import { UsersAuthAudit1763856000000 } from './1763856000000-users-auth-audit';
import { TargetsEdit1763942400000 } from './1763942400000-targets-edit';
import { AgentEnrollment1764028800000 } from './1764028800000-agent-enrollment';
import { ApiTokens1764115200000 } from './1764115200000-api-tokens';
import { FullMesh1764201600000 } from './1764201600000-full-mesh';
import { SampleChunks1764288000000 } from './1764288000000-sample-chunks';
import { LatencyThresholds1764464400000 } from './1764464400000-latency-thresholds';
import { CanonicalTargets1764550000000 } from './1764550000000-canonical-targets';
import { DroppedReportKey1764720000000 } from './1764720000000-dropped-report-key';
import { TokenScopes1764806400000 } from './1764806400000-token-scopes';
import { Alerts1764892800000 } from './1764892800000-alerts';
import { Notifications1764979200000 } from './1764979200000-notifications';
import { StateChanges1765065600000 } from './1765065600000-state-changes';
import { DormantTargets1765152000000 } from './1765152000000-dormant-targets';

export const MIGRATIONS = [
  InitialSchema1763769600000,
  UsersAuthAudit1763856000000,
  TargetsEdit1763942400000,
  AgentEnrollment1764028800000,
  ApiTokens1764115200000,
  FullMesh1764201600000,
  SampleChunks1764288000000,
  LatencyThresholds1764464400000,
  CanonicalTargets1764550000000,
  DroppedReportKey1764720000000,
  TokenScopes1764806400000,
  Alerts1764892800000,
  Notifications1764979200000,
  StateChanges1765065600000,
  DormantTargets1765152000000,
];
