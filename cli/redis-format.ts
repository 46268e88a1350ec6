/**
 * How redis-cli reads and prints a line in its interactive mode: arguments split as sdssplitargs
 * splits them (quotes, backslash escapes) and replies printed as cliFormatReplyTTY prints them.
 */
import type { Reply } from '../core/cluster/resp.ts';

/** The arguments of a typed line, or null for unbalanced quotes (redis-cli: "Invalid argument(s)"). */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return args;
    let current = '';
    let quote: '"' | "'" | null = null;
    for (;;) {
      const c = line[i];
      if (quote === '"') {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        if (c === '\\' && i + 1 < n) {
          const escaped = line[i + 1]!;
          current += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[escaped] ?? escaped;
          i += 2;
          continue;
        }
        if (c === '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          quote = null;
          i++;
          break;
        }
        current += c;
        i++;
      } else if (quote === "'") {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          current += "'";
          i += 2;
          continue;
        }
        if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          quote = null;
          i++;
          break;
        }
        current += c;
        i++;
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"' || c === "'") quote = c;
        else current += c;
        i++;
      }
    }
    args.push(current);
  }
}

/** A bulk string as sdscatrepr quotes it. */
export function quoteRepr(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code > 0x7f) for (const byte of new TextEncoder().encode(c)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** cliFormatReplyTTY: one reply as redis-cli shows it, ending in a newline. */
export function formatReplyTTY(reply: Reply, prefix = ''): string {
  switch (reply.type) {
    case 'error':
      return `(error) ${reply.message}\n`;
    case 'simple':
      return `${reply.value}\n`;
    case 'integer':
      return `(integer) ${reply.value}\n`;
    case 'bulk':
      return `${quoteRepr(reply.value)}\n`;
    case 'null':
      return '(nil)\n';
    case 'array': {
      if (reply.items.length === 0) return '(empty array)\n';
      const width = String(reply.items.length).length;
      const nested = prefix + ' '.repeat(width + 2);
      return reply.items
        .map((item, i) => `${i === 0 ? '' : prefix}${String(i + 1).padStart(width)}) ${formatReplyTTY(item, nested)}`)
        .join('');
    }
    default: {
      const never: never = reply;
      throw new Error(`unknown reply ${JSON.stringify(never)}`);
    }
  }
}
