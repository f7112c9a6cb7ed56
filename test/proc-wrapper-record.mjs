// Re-records the proc_wrapper column of test/proc-wrapper-table.mjs (not part of the suite):
//   node test/proc-wrapper-record.mjs /path/to/cloudreactor-procwrapper   (a source checkout)
// Starts the loopback fake with the table's data, then runs proc_wrapper's own ConfigResolver
// (default settings) once per row with python3 (boto3, jsonpath_ng, PyYAML, python-dotenv) and
// prints, per row, the variables it set and the ones it reported as failed. Compare with ROWS.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir } from './helpers.mjs';
import { startFakeAws } from './aws-fake-server.mjs';
import { BASE_ENV, DATA, FILES, ROWS } from './proc-wrapper-table.mjs';

const checkout = process.argv[2];
if (!checkout) {
  process.stderr.write('usage: node test/proc-wrapper-record.mjs PROC_WRAPPER_CHECKOUT\n');
  process.exit(2);
}
const HARNESS = `
import json, logging, sys
sys.path.insert(0, sys.argv[1])
logging.disable(logging.CRITICAL)
from proc_wrapper.config_resolver import ConfigResolver
from proc_wrapper.proc_wrapper_params import ConfigResolverParams
spec = json.load(sys.stdin)
out = []
for row in spec['rows']:
    env = dict(spec['env'])
    env[row['variable']] = row['location']
    try:
        resolved, failed = ConfigResolver(params=ConfigResolverParams(), env_override=env).fetch_and_resolve_env()
        changed = {n: v for n, v in resolved.items() if n != 'TASK_CONFIG' and env.get(n) != v}
        out.append({'variable': row['variable'], 'failed': failed, 'set': changed})
    except Exception as e:
        out.append({'variable': row['variable'], 'exception': type(e).__name__})
print(json.dumps(out, indent=1, ensure_ascii=False))
`;
const dir = tempDir('vaultfile-pw-record-');
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
const aws = await startFakeAws(/** @type {any} */ (DATA));
const env = { ...process.env, ...aws.env, ...BASE_ENV };
const rows = ROWS.map((row) => ({ variable: row.variable, location: row.location.replaceAll('{DIR}', dir) }));
const output = await new Promise((resolve, reject) => {
  const python = spawn('python3', ['-c', HARNESS, checkout], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let text = '';
  python.stdout.on('data', (chunk) => (text += chunk));
  python.on('error', reject);
  python.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`python3 exited with ${code}`))));
  python.stdin.end(JSON.stringify({ rows, env: { ...aws.env, ...BASE_ENV } }));
});
process.stdout.write(String(output).replaceAll(dir, '{DIR}'));
await aws.close();
removeDir(dir);
