# bash completion for syscribe. Commands come from 'syscribe --help' and each command's
# options from 'syscribe COMMAND --help', so the completion follows the binary it completes.

_syscribe() {
  local cur prev cmd cmd_at i
  COMPREPLY=()
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}

  cmd=
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; cmd_at=$i; break ;;
    esac
  done

  # After 'record --' or 'run --' comes the workload's own command line.
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -- && ( $cmd == record || $cmd == run ) ]]; then
      COMPREPLY=($(compgen -c -- "$cur"))
      return
    fi
  done

  if [[ -z $cmd ]]; then
    local commands
    commands=$(syscribe --help 2>/dev/null | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} /^$/{if (on) exit}')
    COMPREPLY=($(compgen -W "$commands help version --help --version" -- "$cur"))
    return
  fi

  case $cmd in
    help)
      COMPREPLY=($(compgen -W "$(syscribe --help 2>/dev/null | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}')" -- "$cur"))
      return ;;
    review)
      if [[ $prev == review ]]; then
        COMPREPLY=($(compgen -W "init check" -- "$cur"))
        return
      fi
      cmd="review ${COMP_WORDS[cmd_at+1]}" ;;
  esac

  case $prev in
    --format|-f)
      [[ $cmd == generate ]] && { COMPREPLY=($(compgen -W "oci docker spo systemd bpf pfc" -- "$cur")); return; } ;;
    --runtime)
      COMPREPLY=($(compgen -W "runc crun none" -- "$cur")); return ;;
    --mode)
      COMPREPLY=($(compgen -W "auto seccomp ptrace-syscall" -- "$cur")); return ;;
    --default-action)
      COMPREPLY=($(compgen -W "errno kill-process kill-thread trap log" -- "$cur")); return ;;
    --ready)
      compopt -o nospace 2>/dev/null
      COMPREPLY=($(compgen -W "tcp: unix: file: delay: syscall: log:" -- "$cur")); return ;;
    --arch)
      COMPREPLY=($(compgen -W "x86_64 x86 x32 aarch64 arm riscv64 ppc64le s390x" -- "$cur")); return ;;
    --pid|-p)
      COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur")); return ;;
  esac

  if [[ $cur == -* ]]; then
    local opts
    opts=$(syscribe $cmd --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -o bashdefault -F _syscribe syscribe
