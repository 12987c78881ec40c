// Loaded into the benchmarked CLI with `node --import`: at exit, writes the process's own peak RSS
// (kB) and user/system CPU (µs) as JSON to BENCH_RSS_PROBE_FILE. It changes nothing else about the child.
//
// Peak RSS is VmHWM from /proc/self/status, not getrusage's maxrss: on Linux maxrss also keeps the
// high-water mark of the memory the process had before exec — the forked copy of the benchmark's
// own process, which holds the S3 store's objects. A 1M run after the 10k and 100k runs reported
// 198 MB that way while its VmHWM was 178 MB. Elsewhere (no /proc) maxrss is all there is.
import { readFileSync, writeFileSync } from 'node:fs';

function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // No procfs: fall through.
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env.BENCH_RSS_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRssKb: peakRssKb(), userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime }));
    } catch {
      // A missing probe only loses the exit-time figures; the polled VmHWM still stands.
    }
  });
}
