// The bytes of JSON's syntax, for the code that reads answers as bytes (entries-page.ts, rich-text-splice.ts).
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** A table of the two bytes that end a run of plain string bytes. */
export const QUOTE_OR_BACKSLASH = new Uint8Array(256);
QUOTE_OR_BACKSLASH[QUOTE] = 1;
QUOTE_OR_BACKSLASH[BACKSLASH] = 1;
