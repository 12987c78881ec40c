// Removes the build of test/support/global-setup.mjs.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default function globalTeardown() {
  const cli = process.env.ZOHO_CRAWLER_TEST_CLI;
  if (cli) rmSync(dirname(dirname(dirname(cli))), { recursive: true, force: true });
}
