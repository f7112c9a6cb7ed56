/**
 * `.gitattributes` lines generated from the policy (DESIGN.md §3: the policy is the single source
 * of truth). Policy globs are picomatch globs; gitattributes patterns are gitignore patterns, so a
 * glob is translated (a pattern without "/" is anchored with a leading "/", braces are expanded)
 * and refused when git cannot express it (extglobs, negation, spaces). The generated lines live in
 * one marked block, so setup can replace it and check can compare it. Pure: text in, text out.
 */
import { FormatError, quotePath } from '../errors.js';
import { matchRule, ruleFormat, type Policy } from '../repo/repo.js';

export const BLOCK_BEGIN = '# >>> vaultfile: generated from .vaultfile/policy.yml by "vault git setup"; edit the policy, not this block';
export const BLOCK_END = '# <<< vaultfile';
export const FILTER_ATTRIBUTES = 'filter=vault diff=vault merge=vault -text';
/** Files that must stay plaintext whatever the rules say: git reads them before any filter runs. */
export const PLAIN_LINES = ['.gitattributes !filter !diff !merge', '.vaultfile/** !filter !diff !merge'];
/** Paths the filter must leave alone: a rule's exclusions, and Ansible-format files (Ansible reads them as committed). */
export const UNFILTERED_ATTRIBUTES = '!filter !diff !merge';

/** Expand `{a,b}` alternatives (nested allowed); `\{` stays literal. */
export function expandBraces(glob: string): string[] {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = glob.slice(start + 1, i);
        const options: string[] = [];
        let level = 0;
        let from = 0;
        for (let j = 0; j < inner.length; j++) {
          if (inner[j] === '\\') j++;
          else if (inner[j] === '{') level++;
          else if (inner[j] === '}') level--;
          else if (inner[j] === ',' && level === 0) {
            options.push(inner.slice(from, j));
            from = j + 1;
          }
        }
        options.push(inner.slice(from));
        // A single option is not an alternative for picomatch either: keep the braces literal.
        if (options.length < 2) continue;
        const head = glob.slice(0, start);
        const tails = expandBraces(glob.slice(i + 1));
        return options.flatMap((option) => expandBraces(head + option).flatMap((h) => tails.map((t) => h + t)));
      }
    }
  }
  return [glob];
}

/** One policy glob as gitattributes patterns. */
export function toGitPatterns(glob: string): string[] {
  const refuse = (why: string) =>
    new FormatError(`policy path ${quotePath(glob)} ${why}; rewrite the rule in .vaultfile/policy.yml`);
  if (glob.startsWith('!')) throw refuse('is a negation, which .gitattributes cannot express');
  if (/[@!+*?]\(/.test(glob)) throw refuse('uses an extglob, which .gitattributes cannot express');
  if (/\s/.test(glob)) throw refuse('contains white space, which .gitattributes cannot express');
  // A committed policy is attacker-controlled: nothing that git reads as a quote, comment or line end.
  if (/[\u0000-\u001f\u007f"]/.test(glob) || glob.startsWith('#')) throw refuse('contains a control character, a double quote or a leading "#", which .gitattributes cannot hold');
  return expandBraces(glob).map((pattern) => {
    let p = pattern.replace(/^\.\//, '');
    if (p.endsWith('/')) p += '**';
    // picomatch matches a slash-free glob at the top level only; git would match it at any depth.
    if (!p.includes('/')) p = `/${p}`;
    return p;
  });
}

/** A glob that names one path only (no wildcard, class or alternatives). */
function isLiteral(glob: string): boolean {
  return !/[*?[\]{}!()+@\\]/.test(glob);
}

/**
 * The generated block, with its markers, ending in a newline. The policy's first matching rule
 * wins and an excluded path falls through to later rules; in .gitattributes the last matching
 * line wins. So the filter lines of vaultfile rules come first, then one unset line per exclusion
 * and per Ansible-format rule. A literal path is unset only when the policy really leaves it out
 * of the filter; a glob is unset as written, and a file another rule still covers is then left
 * plaintext by git: `vault check` reports it (it fails closed), and the rule should name paths.
 */
export function attributesBlock(policy: Policy): string {
  const lines = [BLOCK_BEGIN];
  const seen = new Set<string>();
  const push = (pattern: string, attributes: string) => {
    const line = `${pattern} ${attributes}`;
    if (seen.has(line)) return;
    seen.add(line);
    lines.push(line);
  };
  for (const rule of policy.rules) {
    if (ruleFormat(rule) === 'vaultfile') for (const pattern of toGitPatterns(rule.path)) push(pattern, FILTER_ATTRIBUTES);
  }
  for (const rule of policy.rules) {
    const left = [...(rule.exclude ?? []), ...(ruleFormat(rule) === 'ansible' ? [rule.path] : [])];
    for (const glob of left) {
      if (isLiteral(glob)) {
        const covering = matchRule(policy, glob.replace(/^\.\//, ''));
        if (covering && ruleFormat(covering) === 'vaultfile') continue;
      }
      for (const pattern of toGitPatterns(glob)) push(pattern, UNFILTERED_ATTRIBUTES);
    }
  }
  lines.push(...PLAIN_LINES, BLOCK_END);
  return `${lines.join('\n')}\n`;
}

/** Locate the block in EXISTING: [start, end) offsets, or null. */
function findBlock(existing: string): [number, number] | null {
  const start = existing.indexOf(BLOCK_BEGIN);
  if (start < 0 || (start > 0 && existing[start - 1] !== '\n')) return null;
  const endMarker = existing.indexOf(`${BLOCK_END}\n`, start);
  const end = endMarker < 0 ? (existing.endsWith(BLOCK_END) ? existing.length : -1) : endMarker + BLOCK_END.length + 1;
  return end < 0 ? null : [start, end];
}

/** EXISTING with the block replaced (or appended after a blank line). */
export function mergeAttributes(existing: string, block: string): string {
  const found = findBlock(existing);
  if (found) return existing.slice(0, found[0]) + block + existing.slice(found[1]);
  if (existing === '') return block;
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${block}`;
}

/** Whether EXISTING holds exactly the block the policy asks for. */
export function attributesUpToDate(existing: string, block: string): boolean {
  const found = findBlock(existing);
  return found !== null && existing.slice(found[0], found[1]).replace(/\n?$/, '\n') === block;
}
