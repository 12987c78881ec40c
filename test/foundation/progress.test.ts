// Progress: counts against announced totals, rate and ETA from an injected clock (no timing), and the
// terminal block that keeps log lines above it.
import { describe, test, expect } from '@jest/globals';
import { Writable } from 'node:stream';
import { createCapturingLogger } from '../../src/core/logger.js';
import { progressBlock, progressLine, ProgressReporter, ProgressTracker } from '../../src/engine/progress.js';
import { StatusArea } from '../../src/engine/status-area.js';

const record = (module: string) => ({ kind: 'record' as const, module, data: {} });

describe('progress tracker', () => {
  test('counts per module against expected totals, with rate and ETA', () => {
    let uploads = { inFlight: 2, done: 3, failed: 0 };
    const t = new ProgressTracker(1_000, () => uploads);
    t.observe({ kind: 'module', module: 'Leads', expected: 400 });
    t.observe({ kind: 'module', module: 'Contacts', expected: 100 });
    for (let i = 0; i < 200; i++) t.observe(record('Leads'));
    for (let i = 0; i < 50; i++) t.observe(record('Contacts'));
    t.observe({ kind: 'deleted', module: 'Leads', data: {} });
    const s = t.snapshot(11_000); // 10 s later
    expect(s.records).toBe(250);
    expect(s.deleted).toBe(1);
    expect(s.expected).toBe(500);
    expect(s.ratePerSec).toBe(25);
    expect(s.etaSec).toBe(10);
    expect(progressLine(s)).toBe('progress: 250/500 records, 1 deleted, 25 records/s, ETA 10s, uploads 2 in flight / 3 done (10s)');
    const block = progressBlock(s, 10);
    expect(block[0]).toBe('Leads    [#####.....] 200/400 +1 deleted');
    expect(block[1]).toBe('Contacts [#####.....] 50/100');
    uploads = { inFlight: 0, done: 5, failed: 1 };
    expect(progressLine(t.snapshot(11_000))).toContain('1 failed');
  });

  test('a resumed run: kept lines count towards the totals, not towards the rate', () => {
    const t = new ProgressTracker(0);
    // Replayed from the killed attempt before this run reads anything.
    for (let i = 0; i < 300; i++) t.kept(record('Leads'));
    t.observe({ kind: 'module', module: 'Leads', expected: 1000 });
    for (let i = 0; i < 100; i++) t.observe(record('Leads'));
    const s = t.snapshot(10_000);
    expect(s.records).toBe(400);
    expect(s.ratePerSec).toBe(10);
    // 600 left at this run's 10 records/s.
    expect(s.etaSec).toBe(60);
    expect(progressLine(s)).toBe('progress: 400/1000 records, 0 deleted, 10 records/s, ETA 1m00s (10s)');
  });

  test('no ETA while a module has not announced its total', () => {
    const t = new ProgressTracker(0);
    t.observe(record('Leads'));
    expect(t.snapshot(1000).etaSec).toBeUndefined();
    expect(progressLine(t.snapshot(1000))).toBe('progress: 1 records, 0 deleted, 1 records/s (1s)');
  });
});

describe('status area', () => {
  test('a log line erases the block, is written, and the block is redrawn under it', async () => {
    const out: string[] = [];
    const tty = new Writable({
      write(chunk, _e, cb) {
        out.push(String(chunk));
        cb();
      },
    });
    const area = new StatusArea(tty);
    area.set(['a', 'b']);
    await new Promise<void>((done) => area.stream.write('log line\n', () => done()));
    area.set([]);
    expect(out).toEqual(['a\nb\n', '\x1b[2A\x1b[0Jlog line\na\nb\n', '\x1b[2A\x1b[0J']);
  });

  test('the reporter stays silent below info level', () => {
    const { logger, lines } = createCapturingLogger('warn');
    const reporter = new ProgressReporter({ logger, tracker: new ProgressTracker(0) });
    reporter.start();
    reporter.stop();
    expect(lines).toEqual([]);
  });
});
