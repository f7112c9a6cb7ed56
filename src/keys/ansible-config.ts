/**
 * ansible.cfg, read as Ansible reads it, for its vault settings: the first of `ANSIBLE_CONFIG`
 * (a file, or a directory holding ansible.cfg), `./ansible.cfg` (skipped when the directory is
 * world-writable, as Ansible does), `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`; from its
 * `[defaults]` section `vault_password_file` (relative to the file's directory),
 * `vault_identity_list`, `vault_id_match`, `vault_encrypt_identity` and `vault_encrypt_salt`. The values become the
 * `ANSIBLE_VAULT_*` variables they stand for, which win when set, as in Ansible. Entries naming
 * `vaultfile-client` are dropped: vault opens keyrings itself, and the client must never be asked
 * by the tool it serves. Reads files; never writes or prints.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';

/** ansible.cfg key -> the environment variable Ansible reads instead (config/base.yml). */
const SETTINGS: Record<string, string> = {
  vault_password_file: 'ANSIBLE_VAULT_PASSWORD_FILE',
  vault_identity_list: 'ANSIBLE_VAULT_IDENTITY_LIST',
  vault_id_match: 'ANSIBLE_VAULT_ID_MATCH',
  vault_encrypt_identity: 'ANSIBLE_VAULT_ENCRYPT_IDENTITY',
  vault_encrypt_salt: 'ANSIBLE_VAULT_ENCRYPT_SALT',
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The ansible.cfg Ansible would use from CWD, or null. */
export function findAnsibleConfig(env: NodeJS.ProcessEnv, cwd: string): string | null {
  const candidates: string[] = [];
  if (env.ANSIBLE_CONFIG) {
    const named = resolve(cwd, env.ANSIBLE_CONFIG.replace(/^~(?=\/|$)/, homedir()));
    let directory = false;
    try {
      directory = statSync(named).isDirectory();
    } catch {
      // not there: Ansible goes on to the next place
    }
    candidates.push(directory ? join(named, 'ansible.cfg') : named);
  }
  try {
    // A world-writable directory's ansible.cfg could be anyone's: Ansible ignores it (and warns).
    if ((statSync(cwd).mode & 0o002) === 0) candidates.push(join(cwd, 'ansible.cfg'));
  } catch {
    // cwd vanished: skip it
  }
  candidates.push(join(env.HOME ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  return candidates.find(isFile) ?? null;
}

/** The `[defaults]` keys of an ini text (configparser: `=` or `:`, `#`/`;` comment lines, `;` inline comments). */
export function parseAnsibleDefaults(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!match || section !== 'defaults') continue;
    values.set(match[1]!.toLowerCase(), match[2]!.replace(/\s+;.*$/, '').trim());
  }
  return values;
}

/** A vault-id source naming vaultfile's own Ansible client. */
export function isVaultfileClient(source: string): boolean {
  const name = basename(source);
  return name.slice(0, name.length - extname(name).length) === 'vaultfile-client';
}

function withoutClient(list: string): string {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !isVaultfileClient(entry.slice(entry.indexOf('@') + 1)))
    .join(',');
}

/** ENV with the vault settings of the ansible.cfg Ansible would read (variables already set win). */
export function withAnsibleConfig(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const file = findAnsibleConfig(env, cwd);
  if (file !== null) {
    let values = new Map<string, string>();
    try {
      values = parseAnsibleDefaults(readFileSync(file, 'utf8'));
    } catch {
      // unreadable: Ansible would fail on it; vault just goes without it
    }
    for (const [key, variable] of Object.entries(SETTINGS)) {
      const value = values.get(key);
      if (value === undefined || value === '' || out[variable] !== undefined) continue;
      out[variable] = key === 'vault_password_file' && !isAbsolute(value) && !value.startsWith('~') ? resolve(dirname(file), value) : value;
    }
  }
  if (out.ANSIBLE_VAULT_IDENTITY_LIST !== undefined) out.ANSIBLE_VAULT_IDENTITY_LIST = withoutClient(out.ANSIBLE_VAULT_IDENTITY_LIST);
  if (out.ANSIBLE_VAULT_PASSWORD_FILE !== undefined && isVaultfileClient(out.ANSIBLE_VAULT_PASSWORD_FILE)) delete out.ANSIBLE_VAULT_PASSWORD_FILE;
  return out;
}
