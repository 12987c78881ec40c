// Module sizes per preset. Vendors stays empty everywhere (a readable module with nothing: 204 on both lists).
import type { Preset } from './types.js';

export interface PresetSizes {
  records: Record<string, number>;
  deleted: Record<string, number>;
}

export const PRESETS: Record<Preset, PresetSizes> = {
  // ≤ 250 records a module; Leads passes 200 even without converted Leads (two pages either way);
  // Contacts' deletions fill two pages.
  tiny: {
    records: { Leads: 230, Contacts: 120, Accounts: 40, Deals: 60, Tasks: 90, Events: 30, Products: 15, Vendors: 0, Notes: 50, Projects_Custom: 25 },
    deleted: { Leads: 12, Contacts: 210, Accounts: 3, Deals: 5, Tasks: 8, Events: 2, Products: 1, Vendors: 0, Notes: 6, Projects_Custom: 4 },
  },
  // Leads passes the 2,000-record page-number limit: a client must switch to page_token.
  small: {
    records: { Leads: 2300, Contacts: 800, Accounts: 250, Deals: 400, Tasks: 600, Events: 150, Products: 60, Vendors: 0, Notes: 300, Projects_Custom: 120 },
    deleted: { Leads: 40, Contacts: 230, Accounts: 10, Deals: 20, Tasks: 30, Events: 5, Products: 2, Vendors: 0, Notes: 15, Projects_Custom: 8 },
  },
  demo: {
    records: { Leads: 3000, Contacts: 1500, Accounts: 600, Deals: 800, Tasks: 1200, Events: 500, Products: 150, Vendors: 0, Notes: 700, Projects_Custom: 400 },
    deleted: { Leads: 80, Contacts: 250, Accounts: 20, Deals: 40, Tasks: 60, Events: 10, Products: 5, Vendors: 0, Notes: 30, Projects_Custom: 12 },
  },
};

/** The most records a module may hold: Modified_Time sorting packs (seconds, index) into one double. */
export const MAX_MODULE_RECORDS = 4_000_000;
