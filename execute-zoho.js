// Runs the Zoho spider: `node execute-zoho.js [-s NAME=VALUE]...` (built by `npm ci` into dist/).
import './dist/execute-zoho.js';
