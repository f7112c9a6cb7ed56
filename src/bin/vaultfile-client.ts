#!/usr/bin/env node
/**
 * The `vaultfile-client` executable: Ansible's vault password client. A thin entry point, so a
 * single binary can dispatch to src/runtime/ansible-client.ts by the name it was started as.
 */
import { openContext, withProperties } from '../context.js';
import { processHost } from './process-host.js';
import { runAnsibleClient } from '../runtime/ansible-client.js';

const { context, close } = openContext(processHost());
runAnsibleClient(process.argv.slice(2), withProperties(context, {
  writeOut: (bytes: Uint8Array) => new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()))),
  writeErr: (line: string) => process.stderr.write(`${line}\n`),
})).then(
  (code) => {
    close();
    process.exitCode = code;
  },
  () => {
    close();
    process.stderr.write('vaultfile-client: unexpected internal error\n');
    process.exitCode = 1;
  },
);
