#!/usr/bin/env node
// `npm run sandbox`: starts the sandbox org and prints how to crawl it. The credentials printed are
// the sandbox's own, made from the seed; they open nothing but this local server.
import { optionsFromArgs, USAGE } from './cli-options.js';
import { startSandbox, type SandboxOptions } from './index.js';

async function main(): Promise<void> {
  let opts: SandboxOptions | 'help';
  try {
    opts = optionsFromArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let sandbox;
  try {
    sandbox = await startSandbox(opts);
  } catch (err) {
    process.stderr.write(`sandbox: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const lines = [
    `Zoho sandbox listening on ${sandbox.url} (seed ${opts.seed ?? 1}, preset ${opts.preset ?? 'small'}${opts.admin ? ', admin' : ''}` +
      `${opts.minFields ? `, ≥ ${opts.minFields} fields a module` : ''}${opts.extraModules ? `, ${opts.extraModules} extra modules` : ''})`,
    `Faults: ${JSON.stringify(opts.faults ?? {})}`,
    'Crawl it with these settings (e.g. in .env):',
    ...Object.entries(sandbox.settings()).map(([k, v]) => `${k}=${v}`),
    `Stats: ${sandbox.url}/__sandbox/stats    Stop: Ctrl-C`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (signal: string) => {
    process.stdout.write(`${signal}: stopping the sandbox\n`);
    void sandbox.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

await main();
