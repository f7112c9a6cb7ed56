// Removes the previous build (dist/ from tsc, bundle/ from esbuild) before `npm run build`, but
// keeps single executables (dist/vault-*): `npm test` rebuilds, and the binary tests run on them.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(ROOT, 'bundle'), { recursive: true, force: true });
let names = [];
try {
  names = readdirSync(join(ROOT, 'dist'));
} catch {
  // nothing built yet
}
for (const name of names) {
  if (!name.startsWith('vault-')) rmSync(join(ROOT, 'dist', name), { recursive: true, force: true });
}
