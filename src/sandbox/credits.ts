// The org's API credits over the rolling 24 hours. With a daily limit set, every API call answers
// 429 TOO_MANY_REQUESTS once the credits are spent (until refill(): the window moved on), and every
// answer carries X-API-CREDITS-REMAINING once half of them are used, as Zoho does.

export class CreditWindow {
  private used = 0;

  /** `limit` undefined: no daily limit (the default). */
  constructor(readonly limit: number | undefined) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new Error(`sandbox limits.dailyCredits: ${limit} is not allowed; expected a whole number ≥ 1`);
    }
  }

  get spent(): boolean {
    return this.limit !== undefined && this.used >= this.limit;
  }

  charge(credits: number): void {
    this.used += credits;
  }

  /** The X-API-CREDITS-REMAINING header when Zoho would send it (half or more of the credits used). */
  header(): Record<string, string> {
    if (this.limit === undefined || this.used * 2 < this.limit) return {};
    return { 'X-API-CREDITS-REMAINING': String(Math.max(0, this.limit - this.used)) };
  }

  /** The 24-hour window rolled on: every credit is available again. */
  refill(): void {
    this.used = 0;
  }
}
