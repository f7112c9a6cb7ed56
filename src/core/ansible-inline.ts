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
import { FormatError, quotePath } from '../errors.js';

/** Both spellings Ansible's YAML constructor registers. */
const VAULT_TAGS = new Set(['!vault', '!vault-encrypted']);
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
  return {
    path,
    node,
    start,
    end,
    anchors,
    vault: typeof node.tag === 'string' && VAULT_TAGS.has(node.tag),
    flow,
    contentIndent,
    ownerIndent: lead[1]!.length + lead[2]!.length,
  };
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

/** Render a plaintext value at SITE: plain, double-quoted, or a literal block when multi-line. */
function renderPlain(value: string, at: ValueSite): string {
  if (at.flow || !value.includes('\n')) return at.anchors + (!at.flow && isPlainSafe(value) ? value : quoteDouble(value));
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const lines = body.split('\n');
  const literal =
    !/[^\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(value) && // printable only, no CR
    !/^\n*[ \t]/.test(value) && // no indentation indicator needed
    lines[lines.length - 1] !== ''; // clip or strip chomping, never keep
  if (!literal) return at.anchors + quoteDouble(value);
  const indent = ' '.repeat(Math.max(at.contentIndent ?? 0, at.ownerIndent + 2));
  return `${at.anchors}|${value.endsWith('\n') ? '' : '-'}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

/** Render vault TEXT as a `!vault |` block (or a quoted scalar inside flow collections). */
function renderVault(vaultText: string, at: ValueSite, indent: number): string {
  if (at.flow) return `${at.anchors}!vault ${quoteDouble(vaultText)}`;
  const pad = ' '.repeat(indent);
  return `${at.anchors}!vault |\n${vaultText.trimEnd().split('\n').map((l) => pad + l).join('\n')}`;
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

async function openValues(text: string, credentials: readonly Credential[], origin: string, options: AnsibleOpenOptions): Promise<OpenedValue[]> {
  const out: OpenedValue[] = [];
  for (const at of valueSites(text, origin)) {
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

/** TEXT with every inline vault value replaced by its plaintext; errors name the YAML path. */
export async function decryptInlineValues(
  text: string, credentials: readonly Credential[], origin: string, options: AnsibleOpenOptions = {},
): Promise<string> {
  const values = await openValues(text, credentials, origin, options);
  return splice(
    text,
    values.map((v) => ({ start: v.site.start, end: v.site.end, text: renderPlain(v.plaintext, v.site) })),
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
  const expected = new Map<string, string>();
  const edits: { start: number; end: number; text: string }[] = [];
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
    const floor = at.ownerIndent + 2;
    if (source.site.path === at.path && source.plaintext === value) {
      // Unchanged: the original tag and block, from its header on, byte for byte.
      const original = originalText.slice(source.site.node.range![0], source.site.end);
      edits.push({ start: at.start, end: at.end, text: `${at.anchors}${source.site.node.tag} ${original}` });
      expected.set(at.path, scalarText(source.site.node));
      result.kept.push(at.path);
      continue;
    }
    const { opened } = source;
    const label = opened.headerLabel ?? (opened.version === '1.2' ? ANSIBLE_DEFAULT_LABEL : undefined);
    const sealed = await sealAnsibleVault(new TextEncoder().encode(value), opened.password, { version: opened.version, ...(label ? { label } : {}) }, random);
    const vaultText = new TextDecoder().decode(sealed);
    const indent = Math.max(at.contentIndent ?? source.site.contentIndent ?? ANSIBLE_INLINE_INDENT, floor);
    edits.push({ start: at.start, end: at.end, text: renderVault(vaultText, at, indent) });
    expected.set(at.path, vaultText);
    result.resealed.push(at.path);
  }
  result.dropped = originals.filter((v) => !used.has(v)).map((v) => v.site.path);
  result.text = splice(editedText, edits);
  // Check the spliced text: every sealed value must read back as exactly the vault text written.
  const check = new Map(valueSites(result.text, origin).filter((s) => s.vault).map((s) => [s.path, scalarText(s.node)]));
  for (const [path, vaultText] of expected) {
    if (check.get(path) !== vaultText) {
      throw new FormatError(`${locate(origin, path)}: could not seal the value again without changing the YAML around it; keep the value's indentation and try again`);
    }
  }
  return result;
}

/** The `name: !vault |` block `encrypt_string` prints (10-space indent, no final newline). */
export function formatInlineVault(vaultText: string, name?: string): string {
  const lines = vaultText.trimEnd().split('\n').map((l) => ' '.repeat(ANSIBLE_INLINE_INDENT) + l);
  return [`${name === undefined ? '' : `${name}: `}!vault |`, ...lines].join('\n');
}
