// `vault completion bash|zsh|fish`: the bash script is loaded into a real bash and asked to
// complete, as readline would on <TAB>; the zsh and fish scripts are checked for the commands,
// options and file completion they declare (and syntax-checked when the shell is installed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, removeDir, runVaultBinary, tempDir } from './helpers.mjs';

const work = tempDir('vaultfile-completion-');
const script = join(work, 'vault.bash');
const bash = runVaultBinary(['completion', 'bash']);
writeFileSync(script, bash.stdout);
writeFileSync(join(work, 'ci.key'), 'not a real key\n');
writeFileSync(join(work, 'prod.yml'), 'a: 1\n');

/**
 * Complete the command line WORDS (the last word is the one under the cursor) in bash.
 * @param {string[]} words
 */
function complete(words) {
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const program = `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _vault_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', program], { cwd: work, env: cleanEnv(), encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean).sort();
}

test.after(() => removeDir(work));

test('bash: vault en<TAB> offers encrypt and encrypt-string', () => {
  assert.is(bash.code, 0);
  assert.equal(complete(['vault', 'en']), ['encrypt', 'encrypt-string']);
  assert.equal(complete(['vaultfile', 'en']), ['encrypt', 'encrypt-string']);
});

test('bash: vault keys <TAB> offers the keys subcommands; git <TAB> hides the plumbing', () => {
  assert.equal(complete(['vault', 'keys', '']), ['add', 'list', 'remove']);
  assert.equal(complete(['vault', 'git', '']), ['setup']);
});

test('bash: options, key-file paths, file arguments and choices', () => {
  assert.ok(complete(['vault', 'view', '--']).includes('--key-file'));
  assert.equal(complete(['vault', 'view', '--key-file', 'ci']), ['ci.key']);
  assert.equal(complete(['vault', 'encrypt', '--key-file', 'ci.key', 'pro']), ['prod.yml']);
  assert.equal(complete(['vault', 'completion', '']), ['bash', 'fish', 'zsh']);
  // The value of an option that is not a file gets no suggestion.
  assert.equal(complete(['vault', 'init', '--keyring', '']), []);
});

test('zsh and fish scripts cover the same commands and options', () => {
  const zsh = runVaultBinary(['completion', 'zsh']);
  assert.is(zsh.code, 0);
  assert.match(zsh.stdout, /^#compdef vault vaultfile\n/);
  assert.match(zsh.stdout, /bashcompinit/);
  assert.match(zsh.stdout, /complete -o filenames -o bashdefault -F _vault_complete vault vaultfile/);
  const fish = runVaultBinary(['completion', 'fish']);
  assert.is(fish.code, 0);
  assert.match(fish.stdout, /^complete -c vault -n 'not __fish_seen_subcommand_from [^']*' -a encrypt -d 'encrypt files in place/m);
  assert.match(fish.stdout, /^complete -c vault -n '__fish_seen_subcommand_from keys; and not __fish_seen_subcommand_from list add remove' -a list /m);
  assert.match(fish.stdout, /^complete -c vault -n '__fish_seen_subcommand_from view' -l key-file -r -F /m);
  for (const [shell, text] of [['zsh', zsh.stdout], ['fish', fish.stdout]]) {
    if (spawnSync(shell, ['--version']).status !== 0) continue;
    const check = spawnSync(shell, ['-n'], { input: text, encoding: 'utf8' });
    assert.is(check.status, 0, `${shell} -n: ${check.stderr}`);
  }
});

test('an unknown shell is a usage error', () => {
  const result = runVaultBinary(['completion', 'tcsh']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /^vault: .*tcsh.*\n$/);
  assert.is(result.stdout, '');
});

test.run();
