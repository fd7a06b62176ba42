import { Logger } from '@nestjs/common';
import { guardSelfDeadlocks } from '../infra/database/serialised-sqlite';

// Integration tests start the real server; allow for a loaded CI machine.
jest.setTimeout(20_000);
Logger.overrideLogger(['error']);
// A transaction callback that queries outside its em fails loudly in every test (off in production: cost).
guardSelfDeadlocks();
