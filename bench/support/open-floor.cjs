// The floor of `vault view` with a key file for any Node program: a CommonJS file (Node starts
// one faster than an ES module, and the package's launcher is one) that loads node:crypto and node:fs, reads a key file and a 2 KB file, derives a key with HKDF, seals and
// opens the bytes with AES-256-GCM (the work of one envelope, without its format), and prints
// them. No argument parsing, no format checks: nothing the real command could leave out.
const { createCipheriv, createDecipheriv, hkdfSync, randomBytes } = require('node:crypto');
const { readFileSync, writeSync } = require('node:fs');

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
