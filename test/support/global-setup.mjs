// Builds the CLI once per test run, for every suite that runs it as a user does (in a child
// process): test/support/build-cli.ts hands out this build instead of compiling again per suite.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export default function globalSetup() {
  const pkg = join(mkdtempSync(join(tmpdir(), 'zoho-crawler-cli-')), 'pkg');
  mkdirSync(pkg);
  // A package of its own: ESM like the project, and the project's node_modules for the dependencies.
  writeFileSync(join(pkg, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  // tsc emits even when some file has a type error; the type check is `npm test`'s own step.
  const out = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const cli = join(pkg, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`build failed: ${out.stdout}${out.stderr}`);
  process.env.ZOHO_CRAWLER_TEST_CLI = cli;
}
