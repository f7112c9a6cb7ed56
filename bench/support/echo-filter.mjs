// A git process filter that does no work: vaultfile's own protocol loop (dist/git/filter-process.js
// over dist/git/fd-io.js) with clean and smudge returning their input. The git benchmark times a
// checkout with it to show what the protocol's two round trips per file cost on this machine
// before any cryptography: the floor under the real filter's time.
import { fdSink, fdSource } from '../../dist/git/fd-io.js';
import { runFilterProcess } from '../../dist/git/filter-process.js';

const identity = { clean: (/** @type {string} */ _path, /** @type {Uint8Array} */ content) => content, smudge: (/** @type {string} */ _path, /** @type {Uint8Array} */ content) => content };
runFilterProcess(fdSource(0), fdSink(1), () => identity, (line) => process.stderr.write(`${line}\n`));
