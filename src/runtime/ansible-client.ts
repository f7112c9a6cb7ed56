/**
 * `vaultfile-client`: Ansible's vault password client (DESIGN.md §5). Ansible runs it as
 * `vaultfile-client --vault-id LABEL` for `--vault-id LABEL@/path/to/vaultfile-client` (and with
 * `--vault-id default` for `--vault-password-file`), reads the password from its stdout and treats
 * exit 2 as "no secret for this vault-id". LABEL names a keyring of the repository around the
 * working directory; the password is that keyring's Ansible password (docs/FORMAT.md §13),
 * obtained through any way into the keyring the common key sources know (VAULTFILE_KEY_FILE,
 * VAULTFILE_PASSWORD_FILE, an age or SSH identity in VAULTFILE_IDENTITY or at the default paths,
 * the key `vault unlock` stored, a prompt on a terminal, ...). Nothing is
 * written to disk; the password goes to stdout only, never to stderr or a message.
 */
import { EXIT, UsageError, VaultError, exitCodeOf, quotePath } from '../errors.js';
import { SecretSession } from '../formats/secrets.js';
import { currentAnsiblePassword } from '../formats/keyring-ansible.js';
import { createKeyContext } from '../keys/key-sources.js';
import { isKeyringName } from '../core/keyring-name.js';
import { findRepoRoot, hasKeyring } from '../repo/repo.js';
import { withProperties, type Context } from '../context.js';

export const CLIENT_NAME = 'vaultfile-client';
/** Ansible's "no secret for this vault-id" (ClientScriptVaultSecret). */
export const EXIT_NO_SUCH_VAULT_ID = 2;

/** The client's process as run() sees it: directory, environment, the terminal for a prompt. */
export interface ClientContext extends Pick<Context, 'cwd' | 'env' | 'stdin' | 'stderr' | 'atExit'> {
  writeOut(bytes: Uint8Array): Promise<void>;
  writeErr(line: string): void;
}

const USAGE = `usage: ${CLIENT_NAME} [--vault-id LABEL]  (run by Ansible: --vault-id LABEL@$(command -v ${CLIENT_NAME}); LABEL names a keyring)`;

/** The vault-id label Ansible passed ("default" without one). */
export function parseClientArgs(args: readonly string[]): string | null {
  let label = 'default';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--vault-id' && i + 1 < args.length) label = args[++i]!;
    else if (arg.startsWith('--vault-id=')) label = arg.slice('--vault-id='.length);
    else if (arg === '-h' || arg === '--help') return null;
    else throw new UsageError(`unknown argument ${quotePath(arg)}; ${USAGE}`);
  }
  return label;
}

/**
 * The environment the key sources see: without Ansible's vault variables, which name this very
 * client (Ansible passes its environment on) and would run it again, and again.
 */
function keyEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('ANSIBLE_VAULT')));
}

export async function runAnsibleClient(args: readonly string[], context: ClientContext): Promise<number> {
  try {
    const label = parseClientArgs(args);
    if (label === null) {
      await context.writeOut(new TextEncoder().encode(`${USAGE}\n`));
      return EXIT.OK;
    }
    const root = findRepoRoot(context.cwd);
    if (!root) {
      context.writeErr(`${CLIENT_NAME}: no .vaultfile/ directory above ${quotePath(context.cwd)}; run ansible from inside the repository`);
      return EXIT_NO_SUCH_VAULT_ID;
    }
    if (!isKeyringName(label) || !hasKeyring(root, label)) {
      context.writeErr(`${CLIENT_NAME}: no keyring ${quotePath(label)} in this repository; the vault-id label must name a keyring ("vault keys list")`);
      return EXIT_NO_SUCH_VAULT_ID;
    }
    const session = new SecretSession(createKeyContext({}, withProperties(context, { env: keyEnvironment(context.env) }), false));
    const password = currentAnsiblePassword(await session.unlockKeyring(root, label));
    const line = new Uint8Array(password.length + 1);
    line.set(password);
    line[password.length] = 0x0a;
    password.fill(0);
    await context.writeOut(line);
    line.fill(0);
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    context.writeErr(`${CLIENT_NAME}: ${error.message}`);
    // 2 means "no such vault-id" to Ansible: a usage mistake says so too, anything else keeps its code.
    return exitCodeOf(error);
  }
}
