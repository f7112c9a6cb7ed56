// The no-op filter of echo-filter.mjs plus the least cryptography a smudge does: node:crypto loaded,
// one HMAC (a keyring's MAC), one HKDF (a file key) and one AES-256-GCM decryption of the content
// (its tag left unchecked: there is none to check), the content passed on as it came. Its checkout
// is the floor of any Node filter that decrypts, measured beside the vault filter.
import { createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { fdSink, fdSource } from '../../dist/git/fd-io.js';
import { runFilterProcess } from '../../dist/git/filter-process.js';

const key = randomBytes(32);
const decrypting = (/** @type {string} */ _path, /** @type {Uint8Array} */ content) => {
  createHmac('sha256', key).update(content).digest();
  const fileKey = Buffer.from(hkdfSync('sha256', key, content.subarray(0, 32), 'floor', 32));
  createDecipheriv('aes-256-gcm', fileKey, content.subarray(0, 12)).update(content);
  return content;
};
runFilterProcess(fdSource(0), fdSink(1), () => ({ clean: decrypting, smudge: decrypting }), (line) => process.stderr.write(`${line}\n`));
