/**
 * The README and the pages of docs/ link to files of the repository by relative paths: each such
 * link must lead somewhere, so moving a page or a folder cannot leave a reader at a dead end.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The relative link targets of a Markdown text, outside code blocks, without their #anchors. */
export function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^(https?:|mailto:|#)/.test(t)).map((t) => t.split('#')[0]!);
}

describe('links between the pages', () => {
  it('finds the links of a text, and only those outside code', () => {
    expect(relativeLinks('see [a](docs/a.md#x), [b](https://x.org) and\n```\n[c](c.md)\n```\n[d](../d.ts)')).toEqual(['docs/a.md', '../d.ts']);
  });

  it.each(pages)('%s: every relative link leads to a file of the repository', (page) => {
    const dead = relativeLinks(readFileSync(join(root, page), 'utf8')).filter((t) => !existsSync(join(root, dirname(page), t)));
    expect(dead).toEqual([]);
  });
});
