// Loaded into the benchmarked CLI with `node --import`: at exit, writes the process's own resource
// usage (getrusage: peak RSS in kB, user/system CPU in µs) as JSON to BENCH_RSS_PROBE_FILE.
// It changes nothing else about the child.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime }));
    } catch {
      // A missing probe only loses the exit-time figures; the polled VmHWM still stands.
    }
  });
}
