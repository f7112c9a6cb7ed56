/**
 * Whether a command line only asks for the version (`vault --version`, `vault -V`): the question
 * the launchers answer without loading the program (src/bin/vault.ts, src/bin/sea-launcher.ts).
 */
export function asksVersion(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
}
