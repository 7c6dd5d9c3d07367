/**
 * Relative links in the project's Markdown (README.md, docs/): each must lead to a file that exists,
 * and a `#anchor` to a heading of the page it points at, slugged as GitHub slugs headings. Parsed with
 * marked, so links inside code blocks and code spans are not links, as on GitHub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { type Token, type Tokens, marked } from 'marked';

export interface DocLink {
  /** The Markdown file the link is in. */
  readonly file: string;
  readonly href: string;
}

/** A heading's text as GitHub renders it (code spans, emphasis and links reduced to their text). */
function plainText(tokens: readonly Token[]): string {
  return tokens.map((t) => ('tokens' in t && t.tokens ? plainText(t.tokens) : 'text' in t ? String(t.text) : '')).join('');
}

/** Every link and image target of a Markdown text, in order. */
export function linksIn(markdown: string): string[] {
  const hrefs: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (t) => {
    if (t.type === 'link' || t.type === 'image') hrefs.push((t as Tokens.Link | Tokens.Image).href);
  });
  return hrefs;
}

/** The anchors GitHub gives the headings of a Markdown text (a repeated heading gets -1, -2, ...). */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  marked.walkTokens(marked.lexer(markdown), (t) => {
    if (t.type === 'heading') anchors.add(slugger.slug(plainText((t as Tokens.Heading).tokens)));
  });
  return anchors;
}

const isExternal = (href: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');

/** The relative links of `files` that lead nowhere, each with why. */
export function brokenLinks(files: readonly string[]): { link: DocLink; why: string }[] {
  const broken: { link: DocLink; why: string }[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string): Set<string> => {
    if (!anchorsOf.has(file)) anchorsOf.set(file, headingAnchors(readFileSync(file, 'utf8')));
    return anchorsOf.get(file)!;
  };
  for (const file of files) {
    for (const href of linksIn(readFileSync(file, 'utf8'))) {
      if (isExternal(href)) continue;
      const hash = href.indexOf('#');
      const path = decodeURIComponent(hash < 0 ? href : href.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
      const target = path === '' ? file : resolve(dirname(file), path);
      const link = { file, href };
      if (!existsSync(target)) broken.push({ link, why: `${path} does not exist` });
      else if (anchor !== undefined && !target.endsWith('.md')) broken.push({ link, why: `#${anchor} points into a file that is not Markdown` });
      else if (anchor !== undefined && !anchors(target).has(anchor)) broken.push({ link, why: `no heading gives #${anchor}` });
    }
  }
  return broken;
}
