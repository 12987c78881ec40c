// The logger itself: levels, formats, and errors logged in every way winston accepts them.
import { describe, test, expect } from '@jest/globals';
import { Writable } from 'node:stream';
import { addSecrets, createCapturingLogger, createLogger, REDACTED } from '../../src/core/logger.js';

const SECRET = 'lg-secret-0a1b2c3d4e5f';

describe('logger', () => {
  test('an Error logged on its own keeps its message and stack (redacted) and is not altered', () => {
    addSecrets([SECRET]);
    const { logger, lines } = createCapturingLogger('debug');
    const error = new Error(`refused ${SECRET}`);
    logger.error(error);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line.level).toBe('error');
    expect(line.message).toBe(`refused ${REDACTED}`);
    expect(String(line.stack)).toMatch(/^Error: refused \[REDACTED\]\n\s+at /);
    // The caller's error object is theirs: logging must not rewrite it.
    expect(error.message).toBe(`refused ${SECRET}`);
  });

  test('an Error as meta or under a key is logged with its message and stack', () => {
    const { logger, lines } = createCapturingLogger('debug');
    logger.warn('while reading', new TypeError('bad page'));
    logger.error('request failed', { error: new RangeError('too far'), module: 'Leads' });
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a.message).toBe('while reading bad page');
    expect(String(a.stack)).toContain('TypeError: bad page');
    expect(b.error).toEqual({ name: 'RangeError', message: 'too far', stack: expect.stringContaining('RangeError: too far') });
    expect(b.module).toBe('Leads');
  });

  test('lines below the level are not written', () => {
    const { logger, lines } = createCapturingLogger('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['w', 'e']);
  });

  test('pretty lines are one line each with time, level and message; JSON lines parse', () => {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        out.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ format: 'pretty', stream, level: 'info' });
    logger.info('hello', { module: 'Leads' });
    // Colour codes only on the level; the rest is plain.
    const plain = out[0].replace(/\u001b\[\d+m/g, '');
    expect(plain).toMatch(/^\d{2}:\d{2}:\d{2} info hello \{"module":"Leads"\}\n$/);
  });
});
