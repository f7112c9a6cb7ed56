/**
 * `vault completion bash|zsh|fish`: prints a shell completion script generated from the commands
 * as they are registered (commander has no completion of its own), so the script knows every
 * visible command, subcommand and option, completes file paths after options that take a file
 * (`--key-file`, `--password-file`, `-f`) and for commands whose arguments are files, and offers
 * the choices of options that have them. The script holds no state and runs no vault process
 * while completing. Prints only the script.
 */
import { Argument, type Command, type Option } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/** What completion needs to know about one command (the root has the empty path). */
interface Spec {
  path: string;
  summary: string;
  commands: string[];
  options: string[];
  fileOptions: string[];
  valueOptions: string[];
  choices: Array<[flag: string, values: string[]]>;
  fileArguments: boolean;
  argumentChoices: string[];
  described: Array<{ short?: string; long?: string; description: string; file: boolean; value: boolean }>;
}

const FILE_VALUE = /<(file|files|dir|path|keyfile|identity)>|\[file\]/i;
const FILE_ARGUMENT = /file|path/i;

const isHidden = (command: Command): boolean => (command as unknown as { _hidden?: boolean })._hidden === true;

function flagsOf(option: Option): string[] {
  return [option.short, option.long].filter((flag): flag is string => typeof flag === 'string');
}

/** Every visible command under ROOT, depth first, with its options and arguments. */
export function commandSpecs(root: Command): Spec[] {
  const specs: Spec[] = [];
  const visit = (command: Command, path: string): void => {
    const options = command.options.filter((option) => !option.hidden);
    const value = options.filter((option) => option.required || option.optional);
    const file = value.filter((option) => FILE_VALUE.test(option.flags));
    const visible = command.commands.filter((sub) => !isHidden(sub));
    specs.push({
      path,
      summary: command.summary() || command.description(),
      commands: visible.map((sub) => sub.name()),
      options: [...options.flatMap(flagsOf), '--help', ...(path === '' ? ['--version'] : [])],
      fileOptions: file.flatMap(flagsOf),
      valueOptions: value.filter((option) => !file.includes(option)).flatMap(flagsOf),
      choices: options.filter((option) => option.argChoices).flatMap((option) => flagsOf(option).map((flag): [string, string[]] => [flag, option.argChoices!])),
      fileArguments: command.registeredArguments.some((argument: Argument) => FILE_ARGUMENT.test(argument.name())),
      argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
      described: options.map((option) => ({
        ...(option.short ? { short: option.short } : {}),
        ...(option.long ? { long: option.long } : {}),
        description: option.description,
        file: file.includes(option),
        value: value.includes(option),
      })),
    });
    for (const sub of visible) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(root, '');
  return specs;
}

const words = (list: string[]): string => list.join(' ');
const quoteSh = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function bashScript(specs: Spec[]): string {
  const paths = specs.filter((spec) => spec.path !== '').map((spec) => quoteSh(spec.path));
  const cases = specs.map((spec) => {
    const lines = [
      `commands=${quoteSh(words(spec.commands))}`,
      `options=${quoteSh(words(spec.options))}`,
      `files=${quoteSh(words(spec.fileOptions))}`,
      `values=${quoteSh(words(spec.valueOptions))}`,
      `fileargs=${spec.fileArguments ? 1 : 0}`,
      `arguments=${quoteSh(words(spec.argumentChoices))}`,
      ...spec.choices.map(([flag, values]) => `[[ $prev == ${flag} ]] && choices=${quoteSh(words(values))}`),
    ];
    return `    ${quoteSh(spec.path)})\n      ${lines.join('\n      ')} ;;`;
  });
  return `# vault completion for bash: add  eval "$(vault completion bash)"  to ~/.bashrc
_vault_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local path="" next i commands="" options="" files="" values="" fileargs=0 choices="" arguments=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ \${COMP_WORDS[i]} == -* ]] && continue
    next="$path\${path:+ }\${COMP_WORDS[i]}"
    case "$next" in
      ${paths.join('|')}) path=$next ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=()
  if [[ -n $choices ]]; then COMPREPLY=($(compgen -W "$choices" -- "$cur")); return; fi
  if [[ " $files " == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  if [[ " $values " == *" $prev "* ]]; then return; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$options" -- "$cur")); return; fi
  if [[ -n $commands ]]; then COMPREPLY=($(compgen -W "$commands" -- "$cur")); return; fi
  if [[ -n $arguments ]]; then COMPREPLY=($(compgen -W "$arguments" -- "$cur")); return; fi
  if [[ $fileargs == 1 ]]; then COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -o bashdefault -F _vault_complete vault vaultfile
`;
}

export function zshScript(specs: Spec[]): string {
  // zsh runs the bash function through its bash completion layer (part of every zsh).
  return `#compdef vault vaultfile
# vault completion for zsh: add  eval "$(vault completion zsh)"  to ~/.zshrc (after compinit)
autoload -U +X bashcompinit && bashcompinit
${bashScript(specs).split('\n').slice(1).join('\n')}`;
}

export function fishScript(specs: Spec[]): string {
  const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = ['# vault completion for fish: vault completion fish > ~/.config/fish/completions/vault.fish'];
  for (const name of ['vault', 'vaultfile']) {
    lines.push(`complete -c ${name} -f`);
    for (const spec of specs) {
      const parts = spec.path === '' ? [] : spec.path.split(' ');
      const seen = parts.map((part) => `__fish_seen_subcommand_from ${part}`);
      const notDeeper = spec.commands.length > 0 ? [`not __fish_seen_subcommand_from ${words(spec.commands)}`] : [];
      const here = quote([...seen, ...notDeeper].join('; and ') || 'true');
      for (const sub of spec.commands) {
        const child = specs.find((other) => other.path === (spec.path ? `${spec.path} ${sub}` : sub));
        lines.push(`complete -c ${name} -n ${here} -a ${sub} -d ${quote(child?.summary ?? '')}`);
      }
      const within = quote(seen.join('; and ') || `not __fish_seen_subcommand_from ${words(spec.commands)}`);
      for (const option of spec.described) {
        const flags = [option.short ? `-s ${option.short.slice(1)}` : '', option.long ? `-l ${option.long.slice(2)}` : ''].filter(Boolean).join(' ');
        lines.push(`complete -c ${name} -n ${within} ${flags}${option.value ? ' -r' : ''}${option.file ? ' -F' : ''} -d ${quote(option.description)}`);
      }
      if (spec.fileArguments) lines.push(`complete -c ${name} -n ${within} -F`);
      if (spec.argumentChoices.length > 0) lines.push(`complete -c ${name} -n ${within} -a ${quote(words(spec.argumentChoices))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

export function register(program: Command, io: Context): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(Object.keys(SCRIPTS)))
    .action((shell: keyof typeof SCRIPTS, _options: unknown, command: Command) => {
      const generate = SCRIPTS[shell];
      if (!generate) throw new UsageError(`no completion for ${JSON.stringify(shell)}; use bash, zsh or fish`);
      io.stdout.write(generate(commandSpecs(command.parent!)));
    });
}
