# bash completion for cmatokenctl                       -*- shell-script -*-
# Commands and options come from cmatokenctl itself, object names (ids, URLs,
# emails, labels) from the running service ("cmatokenctl __complete", which never
# starts the service and prints nothing when it is not running).

_cmatokenctl()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null 2>&1; then
        # -n : keeps https://… one word; -s splits --option=value.
        _init_completion -s -n : || return
    else
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local ctl=${words[0]}
    local cmd="" i o first=0 n=0 value_opts="" opts=""

    # The command is the first word that is not an option.
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]]; then
            cmd=${words[i]}
            first=$i
            break
        fi
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$("$ctl" __complete commands 2>/dev/null) --help --version" -- "$cur"))
        return
    fi

    opts=$("$ctl" __complete options "$cmd" 2>/dev/null)
    for o in $opts; do
        [[ $o == *= ]] && value_opts+=" ${o%=}"
    done

    # The value of an option: "--cloud-account X" or "--cloud-account=X".
    if [[ " $value_opts " == *" $prev "* ]]; then
        COMPREPLY=($(compgen -W "$("$ctl" __complete value "$cmd" "$prev" 2>/dev/null)" -- "$cur"))
        declare -F __ltrim_colon_completions >/dev/null 2>&1 && __ltrim_colon_completions "$cur"
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    # Which argument this is: words after the command, less options and their values.
    for ((i = first + 1; i < cword; i++)); do
        if [[ ${words[i]} == -* ]]; then
            [[ ${words[i]} != *=* && " $value_opts " == *" ${words[i]} "* ]] && ((i++))
        else
            ((n++))
        fi
    done
    _cmatokenctl_lines "$("$ctl" __complete arg "$cmd" $((n + 1)) 2>/dev/null)"
    declare -F __ltrim_colon_completions >/dev/null 2>&1 && __ltrim_colon_completions "$cur"
    return 0
}

# One candidate a line (a label may hold spaces): those that start with what
# was typed, a label's spaces escaped so that it stays one word.
_cmatokenctl_lines()
{
    local c typed=${cur//\\ / }
    COMPREPLY=()
    while IFS= read -r c; do
        [[ -n $c && $c == "$typed"* ]] || continue
        [[ $c == *" "* ]] && c=${c// /\\ }
        COMPREPLY+=("$c")
    done <<< "$1"
}
complete -F _cmatokenctl cmatokenctl
