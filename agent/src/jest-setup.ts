import { Logger } from '@nestjs/common';

// Keep test output to what matters; real ICMP tests wait up to the 3 s probe timeout.
jest.setTimeout(20_000);
Logger.overrideLogger(['error']);
