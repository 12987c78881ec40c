// `node execute-zoho.js [-s NAME=VALUE]...`: the original tool's entry point, kept for its users.
import { runAsProcess } from './cli.js';

void runAsProcess(['crawl', 'zoho', ...process.argv.slice(2)]);
