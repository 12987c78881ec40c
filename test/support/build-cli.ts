// Builds src into `<tmp>/pkg/dist` for tests that run the CLI as a user does, in a child process:
// never a stale dist/, and no race with other suites building at the same time. tsc emits even when
// some file has a type error; the type check is `npm test`'s own step, so only the output matters.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** Returns the built CLI's path (`<tmp>/pkg/dist/cli.js`). */
export function buildCli(tmp: string): string {
  const pkg = join(tmp, 'pkg');
  mkdirSync(pkg);
  // A package of its own: ESM like the project, and the project's node_modules for the dependencies.
  writeFileSync(join(pkg, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  const out = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const cli = join(pkg, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`build failed: ${out.stdout}${out.stderr}`);
  return cli;
}
