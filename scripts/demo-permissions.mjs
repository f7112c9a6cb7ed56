// Makes the shipped demo key private after `npm install` in a checkout. git records no mode but
// the execute bit, so under a umask of 0002 (common for user-private groups) a clone holds the key
// at 0664 in a 0775 directory, and vault refuses key files that others could write or swap; the
// README's demo line would then fail. It runs as package.json's postprepare, which npm runs after
// `npm install` in a checkout and never for users installing the package.
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const demoKey = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'demo', 'demo.key');
if (existsSync(demoKey) && process.platform !== 'win32') {
  chmodSync(dirname(demoKey), 0o755);
  chmodSync(demoKey, 0o600);
}
