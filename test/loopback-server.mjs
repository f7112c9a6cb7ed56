// Puts a test fake's HTTP server (the AWS and KMS stand-ins) on 127.0.0.1 at a port the system
// picks, and stops it. It never listens on another interface.

/**
 * Listen with SERVER on 127.0.0.1 at a free port.
 * @param {import('node:http').Server} server
 * @returns {Promise<{ url: string, close: () => Promise<undefined> }>} the base URL
 *   (`http://127.0.0.1:PORT`) and a close that resolves once the server has stopped
 */
export async function listenOnLoopback(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
