// The settings: every source and its precedence, every value type, every bad-value message, and the
// masking of secrets. Real `.env` files in temp dirs; the process environment is passed explicitly.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultSettings,
  describeSettings,
  loadSettings,
  MASK,
  parseDotenv,
  parseOverrides,
  parseSettings,
  secretValues,
  SECRET_SETTINGS,
  SETTING_NAMES,
  SETTINGS_DOCS,
  SettingsError,
  type SettingName,
} from '../../src/settings.js';

const MiB = 1024 ** 2;

/** The problems a SettingsError reports for these raw values (fails if they parse). */
function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseSettings(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

/** The single problem line for one bad value, checked for the shape every message must have. */
function problemOf(name: SettingName, value: string): string {
  const problems = problemsOf({ [name]: value });
  expect(problems).toHaveLength(1);
  const line = problems[0];
  expect(line).not.toContain('\n');
  expect(line.startsWith(`${name}: `)).toBe(true);
  expect(line).toMatch(/; expected .+/);
  return line;
}

const one = (name: SettingName, value: unknown) => parseSettings({ [name]: value })[name];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'settings-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder holding `.env` with these lines (or none). */
function folderWithDotenv(text?: string): string {
  const d = mkdtempSync(join(dir, 'cwd-'));
  if (text !== undefined) writeFileSync(join(d, '.env'), text);
  return d;
}

describe('defaults', () => {
  test('every setting has its documented default', () => {
    const s = defaultSettings();
    expect(s.ZOHO_DATA_CENTER).toBe('us');
    expect(s.ZOHO_MODULE_WHITELIST).toBeUndefined();
    expect(s.ZOHO_MAX_RECORDS_PER_MODULE).toBeUndefined();
    expect(s.ZOHO_LAST_MODIFIED_TIME).toBeUndefined();
    expect(s.ZOHO_INCLUDE_MODULE_NAME).toBe(false);
    expect(s.ZOHO_INCLUDE_DELETED).toBe(true);
    expect(s.ZOHO_MAX_CONCURRENCY).toBe(5);
    expect(s.LOCAL_OUTPUT_DIRECTORY).toBe('exports');
    expect(s.OUTPUT_FILE_TYPE).toBe('json');
    expect(s.OUTPUT_LINES_PER_FILE).toBe(1000);
    expect(s.ITEM_PIPELINES).toEqual({ ndjson: 300, s3: 800, manifest: 900 });
    expect(s.AWS_BUCKET_NAME).toBeUndefined();
    expect(s.AWS_REGION).toBe('us-east-1');
    expect(s.S3_MAX_CONCURRENCY).toBe(10);
    expect(s.S3_MULTIPART_THRESHOLD).toBe(8 * MiB);
    expect(s.S3_MULTIPART_CHUNKSIZE).toBe(8 * MiB);
    expect(s.LOG_LEVEL).toBe('info');
    expect(s.LOG_FORMAT).toBeUndefined();
    for (const name of SECRET_SETTINGS) expect(s[name]).toBeUndefined();
  });

  test('every setting is documented, and the documented default is what parsing nothing gives', () => {
    expect(SETTINGS_DOCS.map((d) => d.name)).toEqual(SETTING_NAMES);
    const defaults = describeSettings(defaultSettings());
    for (const d of SETTINGS_DOCS) {
      expect(d.doc.length).toBeGreaterThan(10);
      if (d.defaultText === undefined || d.secret) continue;
      // The documented text, parsed, must give the same value as no value at all.
      expect(describeSettings(defaultSettings({ [d.name]: d.defaultText }))[d.name]).toBe(defaults[d.name]);
    }
    expect(SECRET_SETTINGS).toEqual(
      expect.arrayContaining([
        'ZOHO_CLIENT_SECRET',
        'ZOHO_REFRESH_TOKEN',
        'ZOHO_CRM_AUTH_TOKEN',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
      ]),
    );
  });
});

describe('sources and precedence', () => {
  test('with no .env and an empty environment, every value is a default', () => {
    const { settings, sources } = loadSettings({ cwd: folderWithDotenv(), env: {} });
    expect(settings).toEqual(defaultSettings());
    for (const name of SETTING_NAMES) expect(sources[name]).toBe('default');
  });

  test('.env in the working directory is read', () => {
    const cwd = folderWithDotenv('OUTPUT_LINES_PER_FILE=5000\nZOHO_MODULE_WHITELIST=Leads,Contacts\n');
    const { settings, sources } = loadSettings({ cwd, env: {} });
    expect(settings.OUTPUT_LINES_PER_FILE).toBe(5000);
    expect(settings.ZOHO_MODULE_WHITELIST).toEqual(['Leads', 'Contacts']);
    expect(sources.OUTPUT_LINES_PER_FILE).toBe('.env');
    expect(sources.ZOHO_MODULE_WHITELIST).toBe('.env');
    expect(sources.LOG_LEVEL).toBe('default');
  });

  test('the environment beats .env, -s beats both', () => {
    const cwd = folderWithDotenv('OUTPUT_LINES_PER_FILE=10\nS3_MAX_CONCURRENCY=11\nLOG_LEVEL=warn\n');
    const { settings, sources } = loadSettings({
      cwd,
      env: { OUTPUT_LINES_PER_FILE: '20', S3_MAX_CONCURRENCY: '21' },
      overrides: parseOverrides(['OUTPUT_LINES_PER_FILE=30']),
    });
    expect([settings.OUTPUT_LINES_PER_FILE, sources.OUTPUT_LINES_PER_FILE]).toEqual([30, 'cli']);
    expect([settings.S3_MAX_CONCURRENCY, sources.S3_MAX_CONCURRENCY]).toEqual([21, 'env']);
    expect([settings.LOG_LEVEL, sources.LOG_LEVEL]).toEqual(['warn', '.env']);
  });

  test('a .env elsewhere than the working directory is not read, and dotenv:false skips it', () => {
    const cwd = folderWithDotenv('OUTPUT_LINES_PER_FILE=77\n');
    expect(loadSettings({ cwd: folderWithDotenv(), env: {} }).settings.OUTPUT_LINES_PER_FILE).toBe(1000);
    expect(loadSettings({ cwd, env: {}, dotenv: false }).settings.OUTPUT_LINES_PER_FILE).toBe(1000);
    expect(loadSettings({ cwd, env: {} }).settings.OUTPUT_LINES_PER_FILE).toBe(77);
  });

  test('environment variables that are not settings are ignored', () => {
    const { settings } = loadSettings({ cwd: folderWithDotenv(), env: { PATH: '/bin', ZOHO_SOMETHING_ELSE: 'x', HOME: '/root' } });
    expect(settings).toEqual(defaultSettings());
  });

  test('a bad value in .env is reported like any other', () => {
    const cwd = folderWithDotenv('OUTPUT_LINES_PER_FILE=lots\n');
    expect(() => loadSettings({ cwd, env: {} })).toThrow(/^OUTPUT_LINES_PER_FILE: "lots" is not a whole number; expected/);
  });
});

describe('.env syntax', () => {
  test('comments, export, quotes, trailing comments and blank lines', () => {
    const parsed = parseDotenv(
      [
        '# a comment',
        '',
        'export AWS_REGION=eu-west-1',
        'ZOHO_CLIENT_ID = "1000.ABC # not a comment"',
        "ZOHO_CLIENT_SECRET='s3cr3t value'",
        'LOG_LEVEL=debug # trailing comment',
        'OUTPUT_FILE_TYPE=',
        'not a line at all',
        'WINDOWS=yes\r',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      AWS_REGION: 'eu-west-1',
      ZOHO_CLIENT_ID: '1000.ABC # not a comment',
      ZOHO_CLIENT_SECRET: 's3cr3t value',
      LOG_LEVEL: 'debug',
      OUTPUT_FILE_TYPE: '',
      WINDOWS: 'yes',
    });
  });
});

describe('-s NAME=VALUE', () => {
  test('values may contain = and commas', () => {
    expect(parseOverrides(['ZOHO_MODULE_WHITELIST=Leads,Contacts', 'AWS_S3_PREFIX=a=b'])).toEqual({
      ZOHO_MODULE_WHITELIST: 'Leads,Contacts',
      AWS_S3_PREFIX: 'a=b',
    });
  });

  test('an unknown name is an error naming it, not silently ignored', () => {
    const error = (() => {
      try {
        parseOverrides(['OUTPUT_LINES_PER_FILE=5', 'OUTPUT_LINES_PER_FLIE=5']);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OUTPUT_LINES_PER_FLIE: unknown setting; expected one of .*OUTPUT_LINES_PER_FILE/);
  });

  test('an argument without = says what was expected', () => {
    expect(() => parseOverrides(['LOG_LEVEL'])).toThrow("-s LOG_LEVEL: not NAME=VALUE; expected a setting name, '=', and a value");
    expect(() => parseOverrides(['=debug'])).toThrow(/not NAME=VALUE/);
  });

  test('a mistyped argument is not echoed beyond its name: it may hold a secret', () => {
    const secret = 'cs-9e107d9d372bb6826bd81d3542a419d6';
    for (const arg of [`ZOHO_CLIENT_SECRET:${secret}`, `ZOHO_CLIENT_SECRET ${secret}`, secret.replace('cs-', '-')]) {
      let message = '';
      try {
        parseOverrides([arg]);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/not NAME=VALUE; expected a setting name/);
      expect(message).not.toContain(secret.slice(3));
    }
    expect(() => parseOverrides([`ZOHO_CLIENT_SECRET:${secret}`])).toThrow("-s ZOHO_CLIENT_SECRET…: not NAME=VALUE; expected a setting name, '=', and a value");
  });

  test('an unknown name handed to parseSettings is refused too', () => {
    expect(problemsOf({ NO_SUCH_SETTING: '1' })).toEqual([expect.stringMatching(/^NO_SUCH_SETTING: unknown setting; expected one of /)]);
  });
});

describe('types', () => {
  test('whole numbers: spaces and _ separators allowed; fractions, words and out-of-range refused', () => {
    expect(one('OUTPUT_LINES_PER_FILE', ' 5000 ')).toBe(5000);
    expect(one('OUTPUT_LINES_PER_FILE', '1_000_000')).toBe(1_000_000);
    expect(one('ZOHO_MAX_RECORDS_PER_MODULE', '7')).toBe(7);
    expect(problemOf('OUTPUT_LINES_PER_FILE', '1.5')).toBe('OUTPUT_LINES_PER_FILE: "1.5" is not a whole number; expected a whole number ≥ 1');
    expect(problemOf('OUTPUT_LINES_PER_FILE', 'many')).toContain('"many" is not a whole number');
    expect(problemOf('OUTPUT_LINES_PER_FILE', '0')).toBe('OUTPUT_LINES_PER_FILE: 0 is out of range; expected a whole number ≥ 1');
    expect(problemOf('ZOHO_MAX_CONCURRENCY', '101')).toBe('ZOHO_MAX_CONCURRENCY: 101 is out of range; expected a whole number from 1 to 100');
    expect(problemOf('ZOHO_REQUEST_RETRIES', '-1')).toContain('-1 is out of range');
  });

  test('booleans: true/false, 1/0, yes/no, on/off in any case', () => {
    for (const v of ['true', 'TRUE', '1', 'yes', 'On']) expect(one('ZOHO_INCLUDE_MODULE_NAME', v)).toBe(true);
    for (const v of ['false', 'False', '0', 'no', 'OFF']) expect(one('ZOHO_INCLUDE_DELETED', v)).toBe(false);
    expect(problemOf('ZOHO_INCLUDE_DELETED', 'maybe')).toBe(
      'ZOHO_INCLUDE_DELETED: "maybe" is not a boolean; expected true or false (also 1/0, yes/no, on/off)',
    );
  });

  test('module lists: comma-separated, trimmed, de-duplicated; ALL means no filter', () => {
    expect(one('ZOHO_MODULE_WHITELIST', 'Leads,Contacts')).toEqual(['Leads', 'Contacts']);
    expect(one('ZOHO_MODULE_WHITELIST', ' Leads , Contacts,,Leads ')).toEqual(['Leads', 'Contacts']);
    expect(one('ZOHO_MODULE_WHITELIST', 'Custom_Module__c')).toEqual(['Custom_Module__c']);
    expect(one('ZOHO_MODULE_WHITELIST', 'ALL')).toBeUndefined();
    expect(one('ZOHO_MODULE_WHITELIST', 'all')).toBeUndefined();
    expect(one('ZOHO_MODULE_WHITELIST', ',')).toBeUndefined();
    expect(problemOf('ZOHO_MODULE_WHITELIST', 'Leads,../etc')).toBe(
      'ZOHO_MODULE_WHITELIST: "../etc" is not a module api name; expected comma-separated module api names (letters, digits, _ . - $) or ALL',
    );
  });

  test('None, null and empty mean unset: the default, or no value', () => {
    for (const v of ['', 'None', 'none', 'null', '  ']) {
      expect(one('ZOHO_MAX_RECORDS_PER_MODULE', v)).toBeUndefined();
      expect(one('ZOHO_MODULE_WHITELIST', v)).toBeUndefined();
      expect(one('ZOHO_LAST_MODIFIED_TIME', v)).toBeUndefined();
      expect(one('OUTPUT_LINES_PER_FILE', v)).toBe(1000);
      expect(one('ZOHO_INCLUDE_DELETED', v)).toBe(true);
      expect(one('ITEM_PIPELINES', v)).toEqual({ ndjson: 300, s3: 800, manifest: 900 });
      expect(one('AWS_BUCKET_NAME', v)).toBeUndefined();
    }
    // Every setting alike (REST_HEADERS=None and REST_ITEMS_PATH=None among them), but REST_NEXT, where
    // `none` is a documented value (one page).
    for (const name of SETTING_NAMES.filter((n) => n !== 'REST_NEXT')) {
      for (const v of ['None', 'null', '']) expect({ name, v, value: one(name, v) }).toEqual({ name, v, value: parseSettings({})[name] });
    }
    expect(one('REST_NEXT', 'none')).toBe('none');
    // The same through the environment: ZOHO_MAX_RECORDS_PER_MODULE=None is "all records".
    const { settings, sources } = loadSettings({ cwd: folderWithDotenv(), env: { ZOHO_MAX_RECORDS_PER_MODULE: 'None' } });
    expect(settings.ZOHO_MAX_RECORDS_PER_MODULE).toBeUndefined();
    expect(sources.ZOHO_MAX_RECORDS_PER_MODULE).toBe('env');
  });

  test('dates: YYYY-MM-DD HH:MM:SS and anything without an offset are UTC; offsets are honoured', () => {
    const iso = (v: string) => (one('ZOHO_LAST_MODIFIED_TIME', v) as Date).toISOString();
    expect(iso('2026-01-31 10:20:30')).toBe('2026-01-31T10:20:30.000Z');
    expect(iso('2026-01-31T10:20:30')).toBe('2026-01-31T10:20:30.000Z');
    expect(iso('2026-01-31')).toBe('2026-01-31T00:00:00.000Z');
    expect(iso('2026-01-31T10:20')).toBe('2026-01-31T10:20:00.000Z');
    expect(iso('2026-01-31T10:20:30+02:00')).toBe('2026-01-31T08:20:30.000Z');
    expect(iso('2026-01-31T10:20:30-0530')).toBe('2026-01-31T15:50:30.000Z');
    expect(iso('2026-01-31T10:20:30.250Z')).toBe('2026-01-31T10:20:30.250Z');
    const expected = 'expected ISO 8601 such as 2026-01-31T00:00:00+00:00, or YYYY-MM-DD HH:MM:SS (read as UTC)';
    expect(problemOf('ZOHO_LAST_MODIFIED_TIME', 'yesterday')).toBe(`ZOHO_LAST_MODIFIED_TIME: "yesterday" is not a date-time; ${expected}`);
    expect(problemOf('ZOHO_LAST_MODIFIED_TIME', '31/01/2026')).toContain('is not a date-time');
    expect(problemOf('ZOHO_LAST_MODIFIED_TIME', '2026-13-01 00:00:00')).toContain('is not a date-time');
    expect(problemOf('ZOHO_LAST_MODIFIED_TIME', '2026-01-31 25:00:00')).toContain('is not a date-time');
    // Date would roll this over to March 2nd; an impossible day must be refused, not moved.
    expect(problemOf('ZOHO_LAST_MODIFIED_TIME', '2026-02-30 00:00:00')).toContain('is not a date-time');
    expect(iso('2028-02-29 00:00:00')).toBe('2028-02-29T00:00:00.000Z');
  });

  test('byte sizes: plain bytes or KiB/MiB/GiB (KB/MB/GB read as binary), at least 5 MiB for S3 parts', () => {
    expect(one('S3_MULTIPART_CHUNKSIZE', '5242880')).toBe(5 * MiB);
    expect(one('S3_MULTIPART_CHUNKSIZE', '16MiB')).toBe(16 * MiB);
    expect(one('S3_MULTIPART_CHUNKSIZE', '16 mb')).toBe(16 * MiB);
    expect(one('S3_MULTIPART_THRESHOLD', '6.5MiB')).toBe(Math.round(6.5 * MiB));
    expect(one('S3_MULTIPART_THRESHOLD', '1GiB')).toBe(1024 * MiB);
    expect(one('S3_MULTIPART_THRESHOLD', '10240k')).toBe(10 * MiB);
    const expected = 'expected a size in bytes, optionally with a unit (e.g. 8388608 or 8MiB), at least 5242880';
    expect(problemOf('S3_MULTIPART_CHUNKSIZE', '8 parsecs')).toBe(`S3_MULTIPART_CHUNKSIZE: "8 parsecs" is not a size; ${expected}`);
    expect(problemOf('S3_MULTIPART_CHUNKSIZE', '1MiB')).toBe(`S3_MULTIPART_CHUNKSIZE: 1048576 bytes is too small; ${expected}`);
    expect(problemOf('S3_MULTIPART_CHUNKSIZE', '-8MiB')).toContain('is not a size');
  });

  test('ITEM_PIPELINES: name:priority pairs', () => {
    expect(one('ITEM_PIPELINES', 'ndjson:300,s3:800')).toEqual({ ndjson: 300, s3: 800 });
    expect(one('ITEM_PIPELINES', ' manifest = 900 , ndjson:-1 ')).toEqual({ manifest: 900, ndjson: -1 });
    expect(problemOf('ITEM_PIPELINES', 'ndjson,s3:800')).toBe(
      'ITEM_PIPELINES: "ndjson" is not name:priority; expected comma-separated name:priority pairs such as ndjson:300,s3:800',
    );
    expect(problemOf('ITEM_PIPELINES', 'ndjson:high')).toContain('"ndjson:high" is not name:priority');
  });

  test('choices, URLs and file extensions', () => {
    expect(one('ZOHO_DATA_CENTER', 'EU')).toBe('eu');
    expect(problemOf('ZOHO_DATA_CENTER', 'mars')).toBe('ZOHO_DATA_CENTER: "mars" is not allowed; expected one of us, eu, in, au, jp, cn, ca, sa, uk');
    expect(one('LOG_LEVEL', 'DEBUG')).toBe('debug');
    expect(problemOf('LOG_FORMAT', 'xml')).toContain('expected one of pretty, json');
    expect(one('ZOHO_ACCOUNTS_URL', 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(problemOf('ZOHO_ACCOUNTS_URL', 'accounts.zoho.eu')).toContain('"accounts.zoho.eu" is not a URL; expected an absolute http(s) URL');
    expect(problemOf('AWS_S3_ENDPOINT', 'ftp://files.example.com')).toContain('is not an http(s) URL');
    expect(one('OUTPUT_FILE_TYPE', 'ndjson')).toBe('ndjson');
    expect(problemOf('OUTPUT_FILE_TYPE', '../json')).toBe(
      'OUTPUT_FILE_TYPE: "../json" is not a file extension; expected 1-16 letters or digits such as json or ndjson',
    );
    expect(one('AWS_S3_PREFIX', '/backups/zoho/')).toBe('backups/zoho');
  });
});

describe('bad values', () => {
  test('one line per bad setting, each naming the setting', () => {
    const problems = problemsOf({ OUTPUT_LINES_PER_FILE: 'x', ZOHO_INCLUDE_DELETED: 'perhaps', ZOHO_DATA_CENTER: 'moon', LOG_LEVEL: 'info' });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['OUTPUT_LINES_PER_FILE', 'ZOHO_DATA_CENTER', 'ZOHO_INCLUDE_DELETED']);
    for (const p of problems) {
      expect(p).not.toContain('\n');
      expect(p).toContain('; expected ');
    }
    // The error's message is those lines, nothing else (in schema order).
    expect(() => parseSettings({ OUTPUT_LINES_PER_FILE: 'x', ZOHO_INCLUDE_DELETED: 'perhaps' })).toThrow(
      /^ZOHO_INCLUDE_DELETED: [^\n]*\nOUTPUT_LINES_PER_FILE: [^\n]*$/,
    );
  });

  test('a value with a line break in it is still reported on one line', () => {
    expect(problemOf('OUTPUT_LINES_PER_FILE', '12\n34')).toBe('OUTPUT_LINES_PER_FILE: "12\\n34" is not a whole number; expected a whole number ≥ 1');
  });

  test('settings that only make sense together', () => {
    expect(problemsOf({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' })).toEqual([
      'AWS_ACCESS_KEY_ID: given without AWS_SECRET_ACCESS_KEY (or the reverse); expected both or neither',
    ]);
    expect(problemsOf({ AWS_SECRET_ACCESS_KEY: 'abcdefgh' })).toHaveLength(1);
    expect(() => parseSettings({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'abcdefgh' })).not.toThrow();
  });
});

describe('secrets', () => {
  const secrets = {
    ZOHO_CLIENT_SECRET: 'cs-0123456789abcdef',
    ZOHO_REFRESH_TOKEN: '1000.refresh.feedface',
    ZOHO_CRM_AUTH_TOKEN: '1000.access.deadbeef',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLESESSION',
  };

  test('describeSettings masks every set secret without any of its characters, and shows unset ones as unset', () => {
    const shown = describeSettings(defaultSettings({ ...secrets, ZOHO_CLIENT_ID: '1000.CLIENTID' }));
    for (const name of Object.keys(secrets)) expect(shown[name]).toBe(MASK);
    expect(MASK).toMatch(/^\*+$/);
    const text = JSON.stringify(shown);
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(shown.ZOHO_CLIENT_ID).toBe('1000.CLIENTID');
    const none = describeSettings(defaultSettings());
    for (const name of SECRET_SETTINGS) expect(none[name]).toBeNull();
  });

  test('omitSecrets leaves secrets out altogether (for the manifest)', () => {
    const shown = describeSettings(defaultSettings(secrets), { omitSecrets: true });
    for (const name of SECRET_SETTINGS) expect(Object.keys(shown)).not.toContain(name);
    expect(shown.LOG_LEVEL).toBe('info');
  });

  test('other values are printed as a user would write them', () => {
    const shown = describeSettings(
      defaultSettings({ ZOHO_MODULE_WHITELIST: 'Leads,Contacts', ZOHO_LAST_MODIFIED_TIME: '2026-01-31 10:20:30', ITEM_PIPELINES: 'ndjson:300' }),
    );
    expect(shown.ZOHO_MODULE_WHITELIST).toBe('Leads,Contacts');
    expect(shown.ZOHO_LAST_MODIFIED_TIME).toBe('2026-01-31T10:20:30.000Z');
    expect(shown.ITEM_PIPELINES).toBe('ndjson:300');
    expect(shown.OUTPUT_LINES_PER_FILE).toBe('1000');
    expect(shown.ZOHO_MAX_RECORDS_PER_MODULE).toBeNull();
  });

  test('secretValues lists exactly the secrets that are set', () => {
    expect(secretValues(defaultSettings()).length).toBe(0);
    expect(new Set(secretValues(defaultSettings(secrets)))).toEqual(new Set(Object.values(secrets)));
    expect(secretValues(defaultSettings({ ZOHO_CLIENT_SECRET: 'only-this-one', ZOHO_CLIENT_ID: 'not-secret' }))).toEqual(['only-this-one']);
  });
});
