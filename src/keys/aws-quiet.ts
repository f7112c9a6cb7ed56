/**
 * Making an AWS SDK client without its Node-version notice. The SDK on Node 20 prints a multi-line
 * NodeVersionSupportWarning when a client is made; vault's stderr is the user's (and, for
 * `vault exec`, the child's logs), so the notice is silenced for vault's own clients only, and the
 * variable is restored so that no child inherits a changed environment.
 */
export function quietly<T>(make: () => T): T {
  const key = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const had = Object.prototype.hasOwnProperty.call(process.env, key);
  if (!had) process.env[key] = 'true';
  try {
    return make();
  } finally {
    if (!had) delete process.env[key];
  }
}
