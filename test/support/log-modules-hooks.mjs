// Module resolution hooks for log-modules.mjs (they run on the loader thread).
import { appendFileSync } from 'node:fs';

/** @type {string | undefined} */
let log;

/** @param {{log?: string}} data */
export function initialize(data) {
  log = data.log;
}

/** @param {string} specifier @param {unknown} context @param {(s: string, c: unknown) => Promise<{url: string}>} next */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (log) appendFileSync(log, `${result.url}\n`);
  return result;
}
