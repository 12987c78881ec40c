// Prints the one closing line CI reads: `Tests: N passed, M failed` (jest's own summary is not read).
// Jest always runs its own summary reporter after the configured ones and writes it to stderr, so a
// line written in onRunComplete would be followed by jest's summary in a merged log. Writing it when
// the process exits, synchronously, makes it the last line on stdout and in the merged output alike.
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `\nTests: ${results.numPassedTests} passed, ${failed} failed\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = SummaryReporter;
