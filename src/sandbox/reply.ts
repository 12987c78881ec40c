// What a handler answers, before the server applies faults and accounting: a status, a JSON body, and
// whether a correct client could have caused it.
import type { ModuleCall } from './stats.js';

export interface Reply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** Set on 4xx answers a correct client never causes: the error code, for stats.unexpected4xx. */
  unexpected?: string;
  /** Credits charged when the answer is 2xx/304. Default 1. */
  credits?: number;
  /** Per-module accounting. */
  module?: { api: string; call: ModuleCall; served?: number };
}

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** The request body as text (read for calls other than GET). */
  body?: string;
}

export function errorReply(status: number, code: string, message: string, details: Record<string, unknown> = {}, unexpected = false): Reply {
  return { status, json: { code, details, message, status: 'error' }, unexpected: unexpected ? code : undefined };
}

/** 4xx answers that only a buggy client gets. */
export const clientBug = (status: number, code: string, message: string, details: Record<string, unknown> = {}): Reply =>
  errorReply(status, code, message, details, true);

export const invalidModule = (name: string): Reply =>
  clientBug(400, 'INVALID_MODULE', 'The module name given seems to be invalid', { resource_path_index: 0, module: name });

export const invalidUrl = (): Reply => clientBug(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');

export const invalidParam = (param: string, expected: string): Reply =>
  clientBug(400, 'INVALID_DATA', `invalid data for ${param}; expected ${expected}`, { param_name: param, expected_data_type: expected });

export const notesForbidden = (): Reply =>
  errorReply(403, 'NOT_SUPPORTED', 'the module is not supported for this user: only administrators may read Notes');
