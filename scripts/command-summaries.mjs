// Regenerates the table of src/command-summaries.ts from the commands themselves: runs the built
// `vault help` (which loads every command module) and keeps its Commands lines. Run it after adding
// a command or changing a description (then npm run build); test/cli-startup.test.mjs says so.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const help = execFileSync(process.execPath, [join(ROOT, 'dist', 'bin', 'cli.js'), 'help'], { encoding: 'utf8' });
const section = help.split('\nCommands:\n')[1] ?? '';
const rows = [...section.matchAll(/^ {2}(\S.*?) {2,}(.*)$/gm)]
  .map((match) => [match[1], match[2]])
  .filter(([term]) => !term.startsWith('help '));
const file = join(ROOT, 'src', 'command-summaries.ts');
const text = readFileSync(file, 'utf8');
const table = rows.map(([term, summary]) => `  [${JSON.stringify(term).replace(/^"|"$/g, "'")}, ${quote(summary)}],`).join('\n');
writeFileSync(file, text.replace(/(export const COMMAND_SUMMARIES[^\n]*\n)[\s\S]*?\n\];/, `$1${table}\n];`));
process.stderr.write(`wrote ${rows.length} commands to src/command-summaries.ts\n`);

/** A single-quoted TypeScript string. @param {string} text */
function quote(text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
