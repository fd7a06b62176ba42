// Whole-system tests start processes and a browser; probes run on 5 s rounds.
jest.setTimeout(60_000);
