#!/usr/bin/env node
// Prints the closing line of the test run from jest's own JSON results: "Tests: N passed, N failed".
// A suite that failed to run (compile error, crash in beforeAll) counts as a failed test, so it can
// never pass silently. Usage: node tools/test-summary.mjs <jest --json output file>
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('Tests: 0 passed, 1 failed (jest wrote no results)');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numTotalTestSuites} suites, ${r.numRuntimeErrorTestSuites} failed to run, ${skipped} skipped`);
console.log(`Tests: ${r.numPassedTests} passed, ${failed} failed`);
