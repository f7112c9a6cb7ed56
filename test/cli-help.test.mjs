// --help of every visible command (and subcommand) ends with two or three examples, each a vault
// command line that names only options the command really has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runVaultBinary } from './helpers.mjs';

/** Visible subcommands listed in a help text. @param {string} help */
function subcommands(help) {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  // Entry lines start at column 2; wrapped descriptions are indented further.
  return [...section.matchAll(/^ {2}([\w-]+)/gm)].map((match) => match[1]).filter((name) => name !== 'help');
}

/** Long options listed in a help text. @param {string} help */
const optionsOf = (help) => new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1]));

test('every command help ends with 2-3 examples that use its own options', () => {
  const top = runVaultBinary(['--help']).stdout;
  const paths = subcommands(top).map((name) => [name]);
  assert.ok(paths.length >= 19, `commands: ${paths.join(' ')}`);
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const result = runVaultBinary([...path, '--help']);
    assert.is(result.code, 0, path.join(' '));
    for (const sub of subcommands(result.stdout)) paths.push([...path, sub]);
    // ssm-env prints remind101/ssm-env's own usage text, for a drop-in replacement.
    if (path.join(' ') === 'ssm-env') continue;
    const examples = result.stdout.split('\nExamples:\n')[1];
    assert.ok(examples, `vault ${path.join(' ')} --help has examples`);
    const lines = examples.trimEnd().split('\n');
    assert.ok(lines.length >= 2 && lines.length <= 3, `vault ${path.join(' ')}: ${lines.length} examples`);
    assert.ok(result.stdout.endsWith(`${lines.join('\n')}\n`), 'examples come last');
    const known = optionsOf(result.stdout);
    // A parent command (keys, git) shows its subcommands' examples: those are checked there.
    const parent = subcommands(result.stdout).length > 0;
    for (const line of lines) {
      assert.match(line, /^ {2}\$ .*\bvault /);
      if (parent) continue;
      // Options of the command itself (before a "--" or a pipe into another program).
      const own = line.split(/ -- | \| /).find((part) => part.includes(`vault ${path.join(' ')}`)) ?? '';
      for (const [option] of own.matchAll(/(?<=\s)--[\w-]+/g)) {
        if (option === '--help') continue;
        assert.ok(known.has(option) || option === '--vault-password-file', `vault ${path.join(' ')}: example uses ${option}`);
      }
    }
  }
});

test.run();
