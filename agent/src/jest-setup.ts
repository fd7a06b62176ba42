// Real ICMP tests wait up to the 3 s probe timeout. (The agent's log is at "error" under jest: src/log.ts.)
jest.setTimeout(20_000);
