#!/usr/bin/env node
/**
 * The `vaultfile-client` executable: Ansible's vault password client. A thin entry point, so a
 * single binary can dispatch to src/runtime/ansible-client.ts by the name it was started as.
 */
import { runAnsibleClient } from './runtime/ansible-client.js';

runAnsibleClient(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  stderr: process.stderr,
  writeOut: (bytes) => new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()))),
  writeErr: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('vaultfile-client: unexpected internal error\n');
    process.exitCode = 1;
  },
);
