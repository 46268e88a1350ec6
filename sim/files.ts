/**
 * Reading inputs and checking output places, for every command and for report files: an input is
 * read as text or refused with one `InputError` line naming the problem; an output folder is checked
 * before any work is done (Node's recursive mkdir can loop under /proc).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A file given as input that is not what it should be: one line, for the user. */
export class InputError extends Error {}

/** A message as one printable line: control characters and raw bytes never reach the terminal. */
export function oneLine(text: string, max = 400): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\s*\n\s*/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Largest input file read whole (reports, histories, patches). */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a text input (a report, a history, a patch) or throws one `UsageError` line naming the
 * problem: missing, a folder, unreadable, too large, or binary (NUL bytes or invalid UTF-8).
 */
export function readTextInput(path: string, what: string): string {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`cannot read ${what} ${path}: it is a folder`);
    if (st.size > MAX_INPUT_BYTES) throw new InputError(`${what} ${path} is too large (${st.size} bytes, at most ${MAX_INPUT_BYTES})`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(e));
    throw new InputError(`cannot read ${what} ${path}: ${why}`);
  }
  if (bytes.includes(0)) throw new InputError(`${path} is not a ${what}: it holds binary data`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path} is not a ${what}: it is not UTF-8 text`);
  }
}

/** Pseudo-filesystems where nothing of ours belongs (Node's recursive mkdir can loop in /proc). */
const PSEUDO_ROOTS = ['/proc', '/sys'];

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The problem with writing under `dir` (creating it if need be), or null when it can be done. */
export function outputDirError(dir: string): string | null {
  const full = resolve(dir);
  const pseudo = PSEUDO_ROOTS.find((root) => full === root || full.startsWith(`${root}/`));
  if (pseudo !== undefined) return `${dir} is under ${pseudo}, a system pseudo-filesystem, not a place for files`;
  let existing = full;
  while (!exists(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  let st;
  try {
    st = statSync(existing);
  } catch (e) {
    return `cannot use ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  if (!st.isDirectory()) return existing === full ? `${dir} is a file, not a folder` : `${dir} cannot be made: ${existing} is a file, not a folder`;
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    return `${dir}: no permission to write in ${existing}`;
  }
  return null;
}

