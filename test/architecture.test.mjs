// The pure core imports nothing from the shell: no io/, git/, commands/, runtime/, no fs or
// process access (docs/ARCHITECTURE.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const coreDir = join(ROOT, 'src', 'core');

test('src/core imports only core, errors, npm packages and node:crypto', () => {
  const files = readdirSync(coreDir).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 0, 'src/core has modules');
  for (const name of files) {
    const text = readFileSync(join(coreDir, name), 'utf8');
    for (const match of text.matchAll(/from\s+'([^']+)'/g)) {
      const spec = match[1];
      const allowed =
        (spec.startsWith('./') && !spec.includes('/', 2)) ||
        spec === '../errors.js' ||
        spec === 'node:crypto' ||
        (!spec.startsWith('.') && !spec.startsWith('node:'));
      assert.ok(allowed, `${name} imports ${spec}`);
    }
    assert.not.match(text, /\bprocess\.(env|argv|exit|stdout|stderr|cwd)/, `${name} uses process`);
    assert.not.match(text, /\bconsole\./, `${name} uses console`);
  }
});

test.run();
