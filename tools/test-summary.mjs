#!/usr/bin/env node
// Prints the closing line of the test run from jest's own JSON results: "Tests: N passed, N failed".
// A suite that failed to run (compile error, crash in beforeAll) counts as a failed test, and a
// missing results file as one more, so nothing can pass silently.
// Usage: node tools/test-summary.mjs <jest --json output file>...
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let suites = 0;
let brokenSuites = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`${file}: jest wrote no results`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  suites += r.numTotalTestSuites;
  brokenSuites += r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`${suites} suites, ${brokenSuites} failed to run, ${skipped} skipped`);
console.log(`Tests: ${passed} passed, ${failed} failed`);
