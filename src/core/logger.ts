// winston logging with a redaction format that every line passes through, whoever wrote it:
// our code, an error's message or stack, or Crawlee (whose log is routed here by the engine).
import winston from 'winston';
import { Writable } from 'node:stream';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const REDACTED = '[REDACTED]';

/**
 * Patterns of secrets that can show up without being a configured value: auth headers, OAuth
 * parameters in a query or form body, AWS signatures. Each keeps its name and hides the value.
 */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(Zoho-oauthtoken|Bearer|Basic|AWS4-HMAC-SHA256)\s+[^\s"',}]+/gi, `$1 ${REDACTED}`],
  [/("?authorization"?\s*[:=]\s*"?)[^"\n,}]+/gi, `$1${REDACTED}`],
  [
    // eslint-disable-next-line @stylistic/max-len -- one regex literal: split into a RegExp of strings it would be harder to check
    /(\b(?:access_token|refresh_token|client_secret|authtoken|token|password|secret|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|aws_secret_access_key|aws_session_token)"?\s*[=:]\s*"?)[^&\s"',}]+/gi,
    `$1${REDACTED}`,
  ],
];

// Keys whose value is a secret whatever it looks like: a token answer logged as an object has no
// `name=` or header prefix in front of the value for the text patterns to catch.
const SECRET_KEY =
  // eslint-disable-next-line @stylistic/max-len -- one regex literal: split into a RegExp of strings it would be harder to check
  /^(authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|access_token|refresh_token|id_token|client_secret|authtoken|token|password|secret|aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)$/i;

/** Removes every known secret value and every secret-looking pattern from a string. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Deep copy of a log value with every string redacted; errors become {name,message,stack}. */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, secrets), stack: value.stack && redactText(value.stack, secrets) };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? REDACTED : redactValue(v, secrets, depth + 1);
  }
  return out;
}

// The secret values are process-wide: a secret must be hidden from every logger, including child
// loggers created before the settings were loaded.
const knownSecrets = new Set<string>();

/** Registers secret values (from settings, or obtained at run time such as access tokens). */
export function addSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v && v.length >= 4) knownSecrets.add(v);
}

/** Redacts text with every secret registered so far: for messages that bypass the logger. */
export function redactKnown(text: string): string {
  return redactText(text, [...knownSecrets]);
}

const redact = winston.format((info) => {
  const secrets = [...knownSecrets];
  for (const key of Reflect.ownKeys(info)) {
    if (typeof key !== 'string' || key === 'level') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(value, secrets);
  }
  return info;
});

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'pretty' | 'json';
  /** Where lines go; default stderr for pretty and json alike, so stdout stays for command output. */
  stream?: NodeJS.WritableStream;
}

/** Pretty on a terminal, JSON lines otherwise (CI, cron, containers), unless told. */
export function defaultFormat(stream: NodeJS.WritableStream = process.stderr): 'pretty' | 'json' {
  return (stream as { isTTY?: boolean }).isTTY ? 'pretty' : 'json';
}

// format.errors comes first: winston hands `logger.error(err)` on as the Error object itself, whose
// message and stack are not enumerable (the line would say nothing) and which redact() would alter
// in place; errors() turns it into a plain info object with message and stack.
export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const format = opts.format ?? defaultFormat(stream);
  const lineFormat =
    format === 'json'
      ? winston.format.combine(winston.format.errors({ stack: true }), redact(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.errors({ stack: true }),
          redact(),
          winston.format.timestamp({ format: 'HH:mm:ss' }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
            return `${timestamp} ${level} ${message}${rest}`;
          }),
        );
  return winston.createLogger({
    level: opts.level ?? 'info',
    format: lineFormat,
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger whose lines are collected in memory: for tests that check what was logged. */
export function createCapturingLogger(level: LogLevel = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level, format: 'json', stream }), lines };
}
