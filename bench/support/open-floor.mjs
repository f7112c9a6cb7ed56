// The floor of `vault view` with a key file for any Node program: an ES module that loads
// node:crypto and node:fs, reads a key file and a 2 KB file, derives a key with HKDF, seals and
// opens the bytes with AES-256-GCM (the work of one envelope, without its format), and prints
// them. No argument parsing, no format checks: nothing the real command could leave out.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';

const [keyPath, filePath] = process.argv.slice(2);
const key = readFileSync(keyPath);
const data = readFileSync(filePath);
const fileKey = Buffer.from(hkdfSync('sha256', key, randomBytes(32), 'floor', 32));
const iv = randomBytes(12);
const sealer = createCipheriv('aes-256-gcm', fileKey, iv);
const sealed = Buffer.concat([sealer.update(data), sealer.final()]);
const opener = createDecipheriv('aes-256-gcm', fileKey, iv);
opener.setAuthTag(sealer.getAuthTag());
writeSync(1, Buffer.concat([opener.update(sealed), opener.final()]));
