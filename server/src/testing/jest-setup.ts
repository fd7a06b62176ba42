import { Logger } from '@nestjs/common';

// Integration tests start the real server; allow for a loaded CI machine.
jest.setTimeout(20_000);
Logger.overrideLogger(['error']);
