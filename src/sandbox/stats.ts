// What an outside observer may read about the traffic: counts by endpoint and status, credits,
// concurrency, grants, injected faults, and every 4xx a correct client would not have caused.
import type { ModuleCallStats, SandboxStats } from './types.js';

/** Enough to diagnose a misbehaving client without letting a runaway one grow memory without bound. */
const MAX_UNEXPECTED = 1000;

export type ModuleCall = 'fields' | 'records' | 'deleted' | 'count' | 'fullData' | 'coql';

export class StatsRecorder {
  private s!: SandboxStats;
  inFlight = 0;
  sortedInFlight = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.s = {
      requests: {},
      total: 0,
      credits: 0,
      coqlCredits: 0,
      maxInFlight: this.inFlight,
      maxSortedInFlight: this.sortedInFlight,
      grants: 0,
      grantsRefused: 0,
      injected: { '429': 0, '500': 0, drop: 0, concurrency429: 0, expired401: 0, credits429: 0 },
      unexpected4xx: [],
      modules: {},
    };
  }

  snapshot(): SandboxStats {
    return structuredClone(this.s);
  }

  request(endpoint: string, status: number | 'drop'): void {
    const byStatus = (this.s.requests[endpoint] ??= {});
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  }

  apiCallStarted(): void {
    this.s.total++;
    this.inFlight++;
    if (this.inFlight > this.s.maxInFlight) this.s.maxInFlight = this.inFlight;
  }

  apiCallEnded(): void {
    this.inFlight--;
  }

  /** A complex call (sort_by, cvid, COQL) began; apiCallStarted counts it too. */
  sortedCallStarted(): void {
    this.sortedInFlight++;
    if (this.sortedInFlight > this.s.maxSortedInFlight) this.s.maxSortedInFlight = this.sortedInFlight;
  }

  sortedCallEnded(): void {
    this.sortedInFlight--;
  }

  credits(n: number): void {
    this.s.credits += n;
  }

  /** Credits an answered COQL call cost (credits() counts them too). */
  coqlCredits(n: number): void {
    this.s.coqlCredits += n;
  }

  grant(ok: boolean): void {
    if (ok) this.s.grants++;
    else this.s.grantsRefused++;
  }

  injected(kind: keyof SandboxStats['injected']): void {
    this.s.injected[kind]++;
  }

  unexpected(method: string, path: string, status: number, code: string): void {
    if (this.s.unexpected4xx.length < MAX_UNEXPECTED) this.s.unexpected4xx.push({ method, path, status, code });
  }

  module(api: string, call: ModuleCall, served = 0): void {
    const m: ModuleCallStats = (this.s.modules[api] ??= {
      fields: 0, records: 0, deleted: 0, count: 0, fullData: 0, coql: 0, recordsServed: 0, deletedServed: 0, coqlServed: 0,
    });
    m[call]++;
    if (call === 'records') m.recordsServed += served;
    if (call === 'deleted') m.deletedServed += served;
    if (call === 'coql') m.coqlServed += served;
  }
}
