/**
 * Inline Ansible Vault values in YAML (`name: !vault |` blocks, `encrypt_string` output): find
 * them with the `yaml` package's document API, show them decrypted, and seal an edited copy again
 * value by value. Works by splicing source ranges, so every byte outside a changed value, comments
 * and formatting included, stays as it was, and an unchanged value keeps its ciphertext byte for
 * byte. Pure: text in, text out; it must not touch any value it was not asked to change.
 */
import { isPair, isSeq, parseAllDocuments, visit, type Scalar } from 'yaml';
import type { Credential } from './credential.js';
import type { RandomSource } from './random.js';
import {
  ANSIBLE_DEFAULT_LABEL, isAnsibleVault, locate, openAnsibleVault, sealAnsibleVault, type AnsibleOpened, type AnsibleOpenOptions,
} from './ansible-vault.js';
import { AuthError, FormatError, NoKeyError, VaultError, quotePath } from '../errors.js';

/** Both spellings Ansible's YAML constructor registers. */
const VAULT_TAGS = new Set(['!vault', '!vault-encrypted']);
/** True for the tag of an inline Ansible vault value (`!vault`, `!vault-encrypted`). */
export function isVaultTag(tag: unknown): boolean {
  return typeof tag === 'string' && VAULT_TAGS.has(tag);
}
/** `encrypt_string` indents vault lines by 10 spaces (`format_ciphertext_yaml`). */
export const ANSIBLE_INLINE_INDENT = 10;

/** One value scalar of a YAML text and the source range a replacement may take. */
interface ValueSite {
  path: string;
  node: Scalar;
  /** Start of the replaced range: the tag (or the value itself when untagged). */
  start: number;
  /** End: the value's end, trailing blank lines of a block scalar left outside. */
  end: number;
  /**
   * The comment on the value's line, blanks before it included (`  # rotated 2024`), or ''. A
   * block scalar holds it in its header line; after a plain or quoted value it trails the value.
   */
  comment: string;
  /** End of what a replacement takes: `end`, or after the trailing comment of a one-line value. */
  replaceEnd: number;
  /** Anchors written before the value (`&db `), kept by every replacement. */
  anchors: string;
  vault: boolean;
  flow: boolean;
  /** Content indentation of a block scalar; null for other scalars. */
  contentIndent: number | null;
  /** Indentation of the key (or sequence entry) the value belongs to. */
  ownerIndent: number;
}

function segment(key: unknown): string {
  const text = String(key);
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(text) ? text : JSON.stringify(text);
}

function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}

/** Every value scalar of TEXT, in source order; FormatError when TEXT is not valid YAML. */
function valueSites(text: string, origin: string): ValueSite[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs)) return [];
  const sites: ValueSite[] = [];
  docs.forEach((doc, docIndex) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0];
      throw new FormatError(`${quotePath(origin)}: YAML does not parse${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${error.code.toLowerCase().replace(/_/g, ' ')}; fix the syntax`);
    }
    const prefix = docs.length > 1 ? `(document ${docIndex + 1}) ` : '';
    visit(doc, {
      Scalar(key, node, ancestors) {
        if (key === 'key' || !node.range) return;
        let path = '';
        let flow = false;
        ancestors.forEach((ancestor, i) => {
          if ((ancestor as { flow?: boolean }).flow) flow = true;
          if (isPair(ancestor)) {
            const name = segment((ancestor.key as Scalar | null)?.value ?? ancestor.key);
            path += path === '' && !name.startsWith('"') ? name : name.startsWith('"') ? `[${name}]` : `.${name}`;
          } else if (isSeq(ancestor)) {
            path += `[${ancestor.items.indexOf((ancestors[i + 1] ?? node) as never)}]`;
          }
        });
        sites.push(site(text, node, `${prefix}${path || '(document root)'}`, flow));
      },
    });
  });
  return sites;
}

function site(text: string, node: Scalar, path: string, flow: boolean): ValueSite {
  const [valueStart, valueEnd] = node.range!;
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  // Properties (tag, anchor) precede the value; walk back over them word by word.
  let start = valueStart;
  let anchors = '';
  for (;;) {
    let i = start;
    while (i > 0 && /\s/.test(text[i - 1]!)) i--;
    let j = i;
    while (j > 0 && !/[\s,[{]/.test(text[j - 1]!)) j--;
    const word = text.slice(j, i);
    if (!word.startsWith('!') && !word.startsWith('&')) break;
    if (word.startsWith('&')) anchors = `${word} ${anchors}`;
    start = j;
  }
  let end = valueEnd;
  if (block) while (end > valueStart && /\s/.test(text[end - 1]!)) end--;
  let contentIndent: number | null = null;
  if (block) {
    const firstLine = /\n( *)\S/.exec(text.slice(valueStart, valueEnd));
    contentIndent = firstLine ? firstLine[1]!.length : null;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lead = /^( *)((?:- +)*)/.exec(text.slice(lineStart, start))!;
  // The yaml package puts a same-line comment in node.comment; its place comes from the source.
  let comment = '';
  let replaceEnd = end;
  if (node.comment !== undefined && !flow) {
    if (block) {
      const header = text.slice(valueStart, lineEndAt(text, valueStart));
      comment = /[ \t]+#.*$/.exec(header)?.[0] ?? '';
    } else {
      comment = /^[ \t]+#.*/.exec(text.slice(valueEnd, lineEndAt(text, valueEnd)))?.[0] ?? '';
      replaceEnd = valueEnd + comment.length;
    }
  }
  return {
    path,
    node,
    start,
    end,
    comment,
    replaceEnd,
    anchors,
    vault: isVaultTag(node.tag),
    flow,
    contentIndent,
    ownerIndent: lead[1]!.length + lead[2]!.length,
  };
}

function lineEndAt(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** True when TEXT is YAML holding at least one `!vault` value (never for a whole-file vault). */
export function hasInlineVaultValues(text: string): boolean {
  if (!/!vault(?:-encrypted)?(?=[\s|>"'])/.test(text)) return false;
  try {
    return valueSites(text, '').some((s) => s.vault);
  } catch {
    return false;
  }
}

/** YAML double-quoted form: JSON escapes plus the characters YAML does not allow raw. */
function quoteDouble(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain scalar that every YAML 1.1 and 1.2 reader takes as this same string. */
function isPlainSafe(value: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_./@+=%-]*(?: [A-Za-z0-9_./@+=%-]+)*$/.test(value) &&
    !/^(?:y|n|yes|no|on|off|true|false|null|nan|inf)$/i.test(value)
  );
}

/** Render a plaintext value at SITE: plain, double-quoted, or a literal block when multi-line; its comment kept. */
function renderPlain(value: string, at: ValueSite): string {
  if (at.flow || !value.includes('\n')) return at.anchors + (!at.flow && isPlainSafe(value) ? value : quoteDouble(value)) + at.comment;
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const lines = body.split('\n');
  const literal =
    !/[^\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(value) && // printable only, no CR
    !/^\n*[ \t]/.test(value) && // no indentation indicator needed
    lines[lines.length - 1] !== ''; // clip or strip chomping, never keep
  if (!literal) return at.anchors + quoteDouble(value) + at.comment;
  const indent = ' '.repeat(Math.max(at.contentIndent ?? 0, at.ownerIndent + 2));
  return `${at.anchors}|${value.endsWith('\n') ? '' : '-'}${at.comment}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

/**
 * Render vault TEXT as a `!vault |` block with the site's comment in its header, or as a quoted
 * scalar (inside flow collections, or QUOTED when a block does not fit where the value stands).
 */
function renderVault(vaultText: string, at: ValueSite, indent: number, quoted = false): string {
  if (at.flow || quoted) return `${at.anchors}!vault ${quoteDouble(vaultText)}${at.comment}`;
  const pad = ' '.repeat(indent);
  return `${at.anchors}!vault |${at.comment}\n${vaultText.trimEnd().split('\n').map((l) => pad + l).join('\n')}`;
}

function splice(text: string, edits: { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

interface OpenedValue {
  site: ValueSite;
  opened: AnsibleOpened;
  plaintext: string;
}

async function openValues(text: string, credentials: readonly Credential[], origin: string, options: AnsibleOpenOptions, only?: ValueSite): Promise<OpenedValue[]> {
  const out: OpenedValue[] = [];
  for (const at of only ? [only] : valueSites(text, origin)) {
    if (!at.vault) continue;
    const bytes = new TextEncoder().encode(scalarText(at.node));
    if (!isAnsibleVault(bytes)) {
      throw new FormatError(`${locate(origin, at.path)}: tagged !vault but holds no $ANSIBLE_VAULT text; fix or remove the tag`);
    }
    const opened = await openAnsibleVault(bytes, credentials, origin, at.path, options);
    let plaintext: string;
    try {
      plaintext = new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext);
    } catch {
      throw new FormatError(`${locate(origin, at.path)}: decrypted value is not UTF-8 text, so it cannot be shown in YAML; use "ansible-vault" on it`);
    }
    out.push({ site: at, opened, plaintext });
  }
  return out;
}

/**
 * TEXT with every inline vault value the credentials open replaced by its plaintext; the others
 * are left as they are (their `!vault` block) and returned as errors naming their YAML path. If
 * no value opens, the first error is thrown: there is nothing to show. Malformed values still
 * throw at once (a damaged file is not a missing key).
 */
export async function decryptInlineValuesPartially(
  text: string, credentials: readonly Credential[], origin: string, options: AnsibleOpenOptions = {},
): Promise<{ text: string; unopened: VaultError[] }> {
  const opened: OpenedValue[] = [];
  const unopened: VaultError[] = [];
  for (const at of valueSites(text, origin)) {
    if (!at.vault) continue;
    try {
      opened.push(...(await openValues(text, credentials, origin, options, at)));
    } catch (error) {
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      unopened.push(error);
    }
  }
  if (opened.length === 0 && unopened.length > 0) throw unopened[0]!;
  return { text: splice(text, opened.map((v) => ({ start: v.site.start, end: v.site.replaceEnd, text: renderPlain(v.plaintext, v.site) }))), unopened };
}

/** TEXT with every inline vault value replaced by its plaintext; errors name the YAML path. */
export async function decryptInlineValues(
  text: string, credentials: readonly Credential[], origin: string, options: AnsibleOpenOptions = {},
): Promise<string> {
  const values = await openValues(text, credentials, origin, options);
  return splice(
    text,
    values.map((v) => ({ start: v.site.start, end: v.site.replaceEnd, text: renderPlain(v.plaintext, v.site) })),
  );
}

export interface ReencryptResult {
  text: string;
  /** YAML paths whose ciphertext was kept byte for byte. */
  kept: string[];
  /** YAML paths sealed again because the value changed (or moved to a new path). */
  resealed: string[];
  /** Paths that held a vault value and are gone from the edited text (deleted or renamed). */
  dropped: string[];
}

/**
 * Seal an edited plaintext view (from decryptInlineValues) again. A value at a path that held a
 * vault value keeps the original ciphertext when unchanged and is sealed again (same password,
 * label and version) when changed; a value moved to a new path is found by its plaintext and
 * sealed too. Everything else is left exactly as the user wrote it.
 */
export async function reencryptChangedInlineValues(
  originalText: string,
  editedText: string,
  credentials: readonly Credential[],
  origin: string,
  random: RandomSource,
  options: AnsibleOpenOptions = {},
): Promise<ReencryptResult> {
  const originals = await openValues(originalText, credentials, origin, options);
  const byPath = new Map(originals.map((v) => [v.site.path, v]));
  const edited = valueSites(editedText, origin).filter((s) => !s.vault);
  const editedPaths = new Set(edited.map((s) => s.path));
  const result: ReencryptResult = { text: editedText, kept: [], resealed: [], dropped: [] };
  const planned: { at: ValueSite; vaultText: string; render: (quoted: boolean) => string }[] = [];
  const used = new Set<OpenedValue>();
  for (const at of edited) {
    const value = scalarText(at.node);
    let source = byPath.get(at.path);
    if (!source) {
      // A value moved to a new path (key renamed): find it by its plaintext, never leave it bare.
      source = originals.find((v) => !used.has(v) && !editedPaths.has(v.site.path) && v.plaintext === value && value !== '');
      if (!source) continue;
    }
    used.add(source);
    if (source.site.path === at.path && source.plaintext === value) {
      // Unchanged: the original ciphertext, byte for byte, under the comment the edit has now.
      const kept = source.site;
      planned.push({ at, vaultText: scalarText(kept.node), render: (quoted) => renderKept(originalText, kept, at, quoted) });
      result.kept.push(at.path);
      continue;
    }
    const { opened } = source;
    const label = opened.headerLabel ?? (opened.version === '1.2' ? ANSIBLE_DEFAULT_LABEL : undefined);
    const sealed = await sealAnsibleVault(new TextEncoder().encode(value), opened.password, { version: opened.version, ...(label ? { label } : {}) }, random);
    const vaultText = new TextDecoder().decode(sealed);
    const indent = Math.max(at.contentIndent ?? source.site.contentIndent ?? ANSIBLE_INLINE_INDENT, at.ownerIndent + 2);
    planned.push({ at, vaultText, render: (quoted) => renderVault(vaultText, at, indent, quoted) });
    result.resealed.push(at.path);
  }
  result.dropped = originals.filter((v) => !used.has(v)).map((v) => v.site.path);
  // Check the spliced text: every sealed value must read back as exactly the vault text written.
  // A block that does not fit where the user put the value is written as a quoted scalar instead,
  // which fits wherever a one-line value does, so a valid edit is never refused.
  const quoted = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    result.text = splice(editedText, planned.map((p) => ({ start: p.at.start, end: p.at.replaceEnd, text: p.render(quoted.has(p.at.path)) })));
    let sites: ValueSite[] | null;
    try {
      sites = valueSites(result.text, origin);
    } catch {
      sites = null; // the splice broke the YAML: quote every value (last resort, values unchanged)
    }
    const check = new Map((sites ?? []).filter((s) => s.vault).map((s) => [s.path, scalarText(s.node)]));
    const failed = planned.filter((p) => check.get(p.at.path) !== p.vaultText).map((p) => p.at.path);
    if (failed.length === 0) return result;
    if (attempt > 0) {
      throw new FormatError(`${locate(origin, failed[0]!)}: could not seal the value again without changing the YAML around it; keep the value's indentation and try again`);
    }
    for (const path of failed) quoted.add(path);
  }
}

/** An unchanged vault value as it was (tag, header, body), with the comment AT has now. */
function renderKept(originalText: string, kept: ValueSite, at: ValueSite, quoted: boolean): string {
  const block = kept.node.type === 'BLOCK_LITERAL' || kept.node.type === 'BLOCK_FOLDED';
  // A block scalar cannot stand inside a flow collection ({k: ...}): quote it there.
  if (quoted || (block && at.flow)) return renderVault(scalarText(kept.node), at, 0, true);
  const original = originalText.slice(kept.node.range![0], kept.end);
  const newline = original.indexOf('\n');
  if (!block || newline < 0) return `${at.anchors}${kept.node.tag} ${original}${at.comment}`;
  const indicator = original.slice(0, newline).replace(/[ \t]+#.*$/, '');
  return `${at.anchors}${kept.node.tag} ${indicator}${at.comment}${original.slice(newline)}`;
}

/** The `name: !vault |` block `encrypt_string` prints (10-space indent, no final newline). */
export function formatInlineVault(vaultText: string, name?: string): string {
  const lines = vaultText.trimEnd().split('\n').map((l) => ' '.repeat(ANSIBLE_INLINE_INDENT) + l);
  return [`${name === undefined ? '' : `${name}: `}!vault |`, ...lines].join('\n');
}
