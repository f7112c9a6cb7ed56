// `vault ssm-env` against remind101/ssm-env's rules (main.go and main_test.go at 85ce595, read,
// not run: it is Go and not installed here). Each row is an input, what ssm-env does with it, and
// what vault does; where they differ the row says why (docs/runtime.md keeps the same table).
// The real SDK client talks to the loopback fake (test/aws-fake-server.mjs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, tempDir } from './helpers.mjs';
import { startFakeAws } from './aws-fake-server.mjs';
import { hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';

const dir = tempDir('vaultfile-ssm-env-');
/** @type {Record<string, string | { value: string, type: string }>} */
const parameters = {
  '/secret': 'hehe',
  '/prod/db': 'db-value',
  'prod.app.cookie-secret': 'cookie-value',
  '/list': { value: 'a,b', type: 'StringList' },
  '/plain': { value: 'plain-text', type: 'String' },
};
for (let i = 0; i < 12; i += 1) parameters[`/bulk/${i}`] = `bulk-${i}`;
const aws = await startFakeAws({ parameters, denied: ['/denied'] });
const env = (/** @type {Record<string, string>} */ extra) => runtimeEnv({ ...aws.env, SHELL: '/bin/bash', ...extra });
const encrypted = (/** @type {string} */ value) => `AQICAHencrypted${Buffer.from(value).toString('base64')}`;
const ran = ['--', process.execPath, '-e', 'console.log("ran")'];

/**
 * @typedef {{ name: string, env: Record<string, string>, flags: string[], ssmEnv: string,
 *   child?: Record<string, string | null>, exit?: number, stderr?: RegExp, calls?: number, why?: string }} Row
 * @type {Row[]}
 */
const TABLE = [
  { name: 'no ssm:// value: nothing fetched, env unchanged', env: { RAILS_ENV: 'production' }, flags: [], ssmEnv: 'env unchanged, no call', child: { RAILS_ENV: 'production' }, calls: 0 },
  { name: 'ssm:///secret with -with-decryption', env: { SUPER_SECRET: 'ssm:///secret' }, flags: ['-with-decryption'], ssmEnv: 'SUPER_SECRET=hehe', child: { SUPER_SECRET: 'hehe' } },
  { name: 'ssm:///secret without -with-decryption: SecureString ciphertext, as AWS returns it', env: { SUPER_SECRET: 'ssm:///secret' }, flags: [], ssmEnv: 'SUPER_SECRET=<ciphertext>', child: { SUPER_SECRET: encrypted('hehe') } },
  { name: 'String parameter without decryption', env: { P: 'ssm:///plain' }, flags: [], ssmEnv: 'P=plain-text', child: { P: 'plain-text' } },
  { name: 'StringList stays comma text', env: { L: 'ssm:///list' }, flags: [], ssmEnv: 'L=a,b', child: { L: 'a,b' } },
  { name: 'versioned ssm:///secret:1 (Name + Selector)', env: { OLD: 'ssm:///secret:1' }, flags: ['--with-decryption'], ssmEnv: 'OLD=<version 1>', child: { OLD: 'hehe' } },
  { name: 'the same parameter twice: one name asked once', env: { A: 'ssm:///secret', B: 'ssm:///secret' }, flags: ['-with-decryption=true'], ssmEnv: 'A=hehe B=hehe, one name', child: { A: 'hehe', B: 'hehe' }, calls: 1 },
  { name: '12 names: batches of 10', env: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`V${i}`, `ssm:///bulk/${i}`])), flags: ['-with-decryption'], ssmEnv: '2 GetParameters calls', child: { V0: 'bulk-0', V11: 'bulk-11' }, calls: 2 },
  { name: 'ssm://secret (no leading /): refused', env: { SUPER_SECRET: 'ssm://secret' }, flags: [], ssmEnv: "exit 1: SSM parameters must have a leading '/' (ssm:///<path>): SUPER_SECRET=ssm://secret", exit: 3, stderr: /^vault: SUPER_SECRET: SSM parameters must have a leading "\/" \(ssm:\/\/\/<path>\); nothing was run\n$/, calls: 0, why: 'exit 3 (a malformed reference is a format error in vault); the value is not echoed, it may be a secret' },
  { name: 'ssm://NAME without / and -no-fail: asked as is', env: { C: 'ssm://prod.app.cookie-secret' }, flags: ['-no-fail', '-with-decryption'], ssmEnv: 'C=cookie-value', child: { C: 'cookie-value' } },
  { name: 'missing parameter: invalid parameters', env: { SUPER_SECRET: 'ssm:///bad.secret' }, flags: [], ssmEnv: 'exit 1: invalid parameters: [/bad.secret]', exit: 1, stderr: /^vault: invalid parameters for SUPER_SECRET; nothing was run; check the parameter names, or add -no-fail\n$/, why: 'names the variables, not the parameters (a value may be a secret)' },
  { name: 'missing parameter with -no-fail: literal kept, warning', env: { SUPER_SECRET: 'ssm://secret', OK: 'ssm:///secret' }, flags: ['-no-fail', '-with-decryption'], ssmEnv: 'SUPER_SECRET=ssm://secret, OK=hehe, warning on stderr', child: { SUPER_SECRET: 'ssm://secret', OK: 'hehe' }, stderr: /^vault: warning: invalid parameters for SUPER_SECRET; they keep their ssm:\/\/ values \(-no-fail\)\n$/ },
  { name: 'vault\'s -q with -no-fail: the warning stays', env: { SUPER_SECRET: 'ssm://secret', OK: 'ssm:///secret' }, flags: ['-q', '-no-fail', '-with-decryption'], ssmEnv: 'exit 2: flag provided but not defined: -q', child: { SUPER_SECRET: 'ssm://secret', OK: 'hehe' }, stderr: /^vault: warning: invalid parameters for SUPER_SECRET; they keep their ssm:\/\/ values \(-no-fail\)\n$/, why: '-q drops notes only; a variable left with its literal value is a possible loss' },
  { name: 'vault\'s --quiet: nothing else changes', env: { S: 'ssm:///secret' }, flags: ['--quiet', '-with-decryption'], ssmEnv: 'exit 2: flag provided but not defined: -quiet', child: { S: 'hehe' }, why: 'vault\'s own flag, as on every vault command' },
  { name: 'access denied: the call fails', env: { D: 'ssm:///denied' }, flags: [], ssmEnv: 'exit 1: AccessDeniedException: ...', exit: 1, stderr: /^vault: cannot read SSM parameters \(AccessDeniedException\); nothing was run; check the region and IAM permissions, or add -no-fail\n$/ },
  { name: 'access denied with -no-fail: literal kept', env: { D: 'ssm:///denied' }, flags: ['-no-fail'], ssmEnv: 'crashes (nil response dereferenced in getParameters)', child: { D: 'ssm:///denied' }, stderr: /^vault: warning: cannot read SSM parameters \(AccessDeniedException\); D keep their ssm:\/\/ values \(-no-fail\)\n$/, why: 'ssm-env panics on a failed call with -no-fail; vault keeps the literal value as -no-fail promises' },
  { name: 'a custom -template', env: { X: 'y' }, flags: ['-template', '{{ if eq .Name "X" }}/secret{{end}}'], ssmEnv: 'X=<value of /secret>', exit: 2, stderr: /^vault: -template: only ssm-env's default template/, calls: 0, why: 'Go templates are refused rather than half-implemented' },
  { name: 'the default -template given explicitly', env: { S: 'ssm:///secret' }, flags: ['-template={{ if hasPrefix .Value "ssm://" }}{{ trimPrefix .Value "ssm://" }}{{ end }}', '-with-decryption'], ssmEnv: 'S=hehe', child: { S: 'hehe' } },
  { name: 'an unknown flag', env: {}, flags: ['-bogus'], ssmEnv: 'exit 2: flag provided but not defined: -bogus', exit: 2, stderr: /^vault: flag provided but not defined: -bogus; see "vault ssm-env -h"\n$/ },
  { name: 'VAULTFILE_PASSWORD in the environment', env: { VAULTFILE_PASSWORD: 'pw' }, flags: [], ssmEnv: '(not a vault variable: passed on)', child: { VAULTFILE_PASSWORD: null }, calls: 0, why: 'vault never hands its own key to a child' },
];

for (const row of TABLE) {
  test(`ssm-env table: ${row.name}`, async () => {
    const mark = aws.requests.length;
    const names = row.child ? Object.keys(row.child) : [];
    const command = row.child ? hashChild(...names).slice(1) : ran.slice(1);
    const result = await runAsync(['ssm-env', ...row.flags, ...command], { env: env(row.env) });
    const calls = aws.requests.slice(mark).filter((r) => r.target === 'AmazonSSM.GetParameters');
    if (row.calls !== undefined) assert.is(calls.length, row.calls, 'GetParameters calls');
    if (row.exit !== undefined) {
      assert.is(result.code, row.exit, result.stderr);
      assert.is(result.stdout, '', 'nothing ran');
    } else {
      assert.is(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout), hashesOf(/** @type {Record<string, string | null>} */ (row.child)));
      for (const call of calls) assert.is(call.body.WithDecryption, row.flags.some((f) => f.includes('with-decryption')));
    }
    if (row.stderr) assert.match(result.stderr, row.stderr);
    else assert.is(result.stderr, '');
  });
}

test('ssm-env: -V, -h, no command, and the command exit status', async () => {
  const version = await runAsync(['ssm-env', '-V'], { env: env({}) });
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runAsync(['ssm-env', '-h'], { env: env({}) });
  assert.match(help.stdout, /^usage: vault ssm-env \[-template STRING\] \[-with-decryption\] \[-no-fail\] COMMAND/);
  const none = await runAsync(['ssm-env', '-with-decryption'], { env: env({}) });
  assert.is(none.code, 2);
  assert.match(none.stderr, /^vault: no command given; usage: vault ssm-env/);
  const status = await runAsync(['ssm-env', '--', process.execPath, '-e', 'process.exit(7)'], { env: env({}) });
  assert.is(status.code, 7);
  const mark = aws.requests.length;
  const missing = await runAsync(['ssm-env', '-with-decryption', 'no-such-command-vaultfile'], { env: env({ S: 'ssm:///secret' }) });
  assert.is(missing.code, 127);
  assert.is(missing.stderr, 'vault: "no-such-command-vaultfile": command not found or not executable; nothing was fetched; check the name and PATH\n');
  assert.is(aws.requests.length, mark, 'looked up before any AWS call, as ssm-env does');
  const direct = await runAsync(['ssm-env', '-with-decryption', process.execPath, '-e', 'process.stdout.write(process.env.S)'], { env: env({ S: 'ssm:///secret' }) });
  assert.is(direct.stdout, 'hehe', 'a path with "/" runs as is');
});

test.after(async () => {
  await aws.close();
  removeDir(dir);
});
test.run();
