/**
 * TEST ONLY: named halt points for the crash-injection tests of `vault rotate`. Some points (after
 * the marker, before the keyring) are microseconds apart, so no test can hit them by watching the
 * filesystem. When VAULTFILE_TEST_HALT names a point, the process says so on stderr when it
 * reaches it and then blocks forever, so the test can SIGKILL it exactly there. Without the
 * variable this is inert: one comparison with undefined. Never set it outside tests.
 */
import { writeSync } from 'node:fs';

const HALT_AT = process.env.VAULTFILE_TEST_HALT;

/** Block forever when VAULTFILE_TEST_HALT equals POINT (test only); otherwise return at once. */
export function haltForTest(point: string): void {
  if (HALT_AT === undefined || HALT_AT !== point) return;
  writeSync(2, `vault: test hook: halted at ${point}\n`);
  // A synchronous wait: nothing else in this process runs until the test kills it.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}
