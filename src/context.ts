/**
 * What one run of the program may use of the process it runs in: the working directory, the
 * environment, the three standard streams, signals and the end of the run. Only the entry points
 * build a host from `process` (src/bin/); the test harness builds its own, so the program can run
 * many times in one process. Holds no state of its own and does no I/O.
 */

export type HandledSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Standard input as the program reads it. */
export type Input = NodeJS.ReadableStream & { readonly isTTY?: boolean };

/** Standard output or error as the program writes them. */
export type Output = NodeJS.WritableStream & { readonly isTTY?: boolean };

/** Signals delivered to the run; for the binary these are the process's own. */
export interface Signals {
  on(signal: HandledSignal, listener: (signal: HandledSignal) => void): void;
  off(signal: HandledSignal, listener: (signal: HandledSignal) => void): void;
  listenerCount(signal: HandledSignal): number;
  /** End as if SIGNAL had not been caught (the binary re-raises it at itself). */
  raise(signal: HandledSignal): void;
}

/** What the caller of run() provides. */
export interface Host {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: Input;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly signals: Signals;
  /** End now with CODE (the signal paths, after their cleanup); never returns. */
  exit(code: number): never;
  /** The node binary that git should start for the filter drivers. */
  readonly execPath: string;
  /** Crash-point tests: called at named points of multi-step writes; absent in real use. */
  readonly step?: (point: string) => void;
}

/** The host plus what belongs to this one run. */
export interface Context extends Host {
  /** Run FN synchronously when the run ends, however it ends (locks, temporary plaintext). */
  atExit(fn: () => void): () => void;
  /** The exit code a command chose without failing (exec passes on its child's). */
  exitCode: number | undefined;
}

/** The context of one run on HOST; `close()` runs what the run left to do at its end. */
export function openContext(host: Host): { context: Context; close(): void } {
  const cleanups = new Set<() => void>();
  const close = (): void => {
    for (const cleanup of cleanups) {
      cleanups.delete(cleanup);
      try {
        cleanup();
      } catch {
        // one failing cleanup must not keep the others (temporary plaintext) from running
      }
    }
  };
  const context: Context = withProperties(host, {
    exitCode: undefined as number | undefined,
    atExit(fn: () => void) {
      cleanups.add(fn);
      return () => cleanups.delete(fn);
    },
    exit(code: number): never {
      close();
      return host.exit(code);
    },
  });
  return { context, close };
}

/**
 * BASE with EXTRA's properties added or put in place of its own. BASE's other properties stay as
 * they are: a getter stays a getter (a process's standard streams are made on first use,
 * src/bin/process-host.ts, and a spread would make them all).
 */
export function withProperties<T extends object, U extends object>(base: T, extra: U): Omit<T, keyof U> & NoInfer<U> {
  const descriptors = Object.getOwnPropertyDescriptors(base) as PropertyDescriptorMap;
  for (const key of Object.keys(extra)) delete descriptors[key];
  return Object.defineProperties({}, { ...descriptors, ...Object.getOwnPropertyDescriptors(extra) }) as Omit<T, keyof U> & U;
}
