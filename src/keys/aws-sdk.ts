/**
 * The one place below the executables that writes to process.env, because the AWS SDK reads its
 * settings from there and nowhere else: on Node 20 it prints a NodeVersionSupportWarning when a
 * client is made. vault's stderr is the user's (and `vault exec`'s child's), so the warning is
 * silenced for our own clients only, and the variable is restored, leaving the environment as it
 * was. Used by keys/kms.ts and runtime/aws.ts.
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
