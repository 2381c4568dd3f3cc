import type { Command } from "commander";

/**
 * Verb → its flags, read from the program itself so that completion never drifts from --help; `last`
 * and the ids of fetched dumps only for verbs that take a dump id.
 */
function vocabulary(program: Command): Map<string, string[]> {
  const flagsOf = (command: Command) =>
    command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => !!flag));
  const verbs = new Map<string, string[]>([["", flagsOf(program)]]);
  for (const command of program.commands) {
    const takesId = command.registeredArguments.some((argument) => argument.name() === "id");
    verbs.set(command.name(), [...flagsOf(command), "--help", ...(takesId ? ["last", "$ids"] : [])]);
  }
  return verbs;
}

export function bashCompletion(program: Command): string {
  const verbs = vocabulary(program);
  const cases = [...verbs]
    .filter(([verb]) => verb !== "")
    .map(([verb, flags]) => `    ${verb}) words="${flags.join(" ")}" ;;`)
    .join("\n");
  const names = [...verbs.keys()].filter((verb) => verb !== "").join(" ");
  // The word after a flag that takes a value (`--bucket b`) is that value, not the verb.
  const valued = program.options
    .filter((option) => option.required || option.optional)
    .map((option) => option.long)
    .join("|");
  return `# bash completion for coredump: source <(coredump completion bash)
_coredump() {
  local current=\${COMP_WORDS[COMP_CWORD]} verb="" word words skip="" ids
  # The dumps fetched into the working folder: their ids, without asking the store.
  ids=$(ls -1 "\${COREDUMP_WORKDIR:-$HOME/work}" 2>/dev/null | grep -E '^[0-9a-f]{8}-[0-9a-f-]{27}$')
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [ -n "$skip" ]; then skip=""; continue; fi
    case $word in ${valued}) skip=1 ;; -*) ;; *) verb=$word; break ;; esac
  done
  case $verb in
${cases}
    *) words="${names} ${(verbs.get("") ?? []).join(" ")}" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
complete -o default -F _coredump coredump
`;
}

export function zshCompletion(program: Command): string {
  return `#compdef coredump
# zsh completion for coredump: source <(coredump completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}
