// The CLI as a user runs it, for tests that start it in a child process: built once per test run by
// test/support/global-setup.mjs (never a stale dist/, no race between suites).

/** The built CLI's path. */
export function buildCli(_tmp?: string): string {
  const cli = process.env.ZOHO_CRAWLER_TEST_CLI;
  if (!cli) throw new Error('the CLI is built by jest\'s globalSetup (test/support/global-setup.mjs): run the tests through npm test');
  return cli;
}
