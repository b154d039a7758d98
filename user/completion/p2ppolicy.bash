# bash completion for p2ppolicy(8): commands, subcommands and options as p2ppolicy's own
# --help lists them (one source: its command tables), PCI addresses of P2P providers and of
# client devices from sysfs, shipped policy names from 'p2ppolicy load --list', and files.

# The PCI functions that publish P2P memory.
_p2ppolicy_providers()
{
	local d
	for d in /sys/bus/pci/devices/*/p2pmem; do
		[ -d "$d" ] && basename "${d%/p2pmem}"
	done
}

# PCI functions with a driver bound, bridges excepted: the devices that can be clients.
_p2ppolicy_clients()
{
	local d class
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/driver" ] || continue
		read -r class <"$d/class" 2>/dev/null || continue
		case $class in 0x0604*) continue ;; esac
		basename "$d"
	done
}

# What "p2ppolicy ARGS --help" mentions as options.
_p2ppolicy_options()
{
	{ echo --help; "$1" "${@:2}" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*'; } | sort -u
}

# COMPREPLY from lines (no process substitution: /dev/fd may be missing, as in rescue shells).
_p2ppolicy_reply()
{
	local IFS=$'\n' -

	set -f			# words, not patterns
	COMPREPLY=($1)
}

# The subcommands of "p2ppolicy CMD", from the synopsis lines of its --help; none: empty.
_p2ppolicy_subcmds()
{
	"$1" "$2" --help 2>/dev/null | sed -n "s/^\(Usage:\)\{0,1\} *p2ppolicy $2 \([a-z-][a-z-]*\).*/\2/p" |
		sort -u
}

_p2ppolicy()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd="" sub="" i w n=0 subs words
	COMPREPLY=()

	# The command, its subcommand, and how many arguments come before the current word.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--size | --dir | --set | --config | --pidfile) ((i++)); continue ;;
		-*) continue ;;
		esac
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$sub" ] && [ -n "$(_p2ppolicy_subcmds "$prog" "$cmd")" ]; then
			sub=$w
		else
			((n++))
		fi
	done

	case $prev in
	--dir) _p2ppolicy_reply "$(compgen -W "to from bidi" -- "$cur")"; return ;;
	--config | --pidfile) _p2ppolicy_reply "$(compgen -f -- "$cur")"; return ;;
	--size | --set) return ;;
	esac

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			words="-v --verbose -h --help -V --version"
		else
			words=$("$prog" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next }
				/^$/ { on = 0 } on { print $1 }')
		fi
		_p2ppolicy_reply "$(compgen -W "$words" -- "$cur")"
		return
	fi
	subs=$(_p2ppolicy_subcmds "$prog" "$cmd")
	if [ -n "$subs" ] && [ -z "$sub" ]; then
		_p2ppolicy_reply "$(compgen -W "$subs" -- "$cur")"
		return
	fi
	if [[ $cur == -* ]]; then
		_p2ppolicy_reply "$(compgen -W "$(_p2ppolicy_options "$prog" "$cmd")" -- "$cur")"
		return
	fi

	case "$cmd${sub:+ $sub}" in
	explain | verify | "override add" | "override del")
		case $n in
		0) words=$(_p2ppolicy_providers) ;;
		1) words=$(_p2ppolicy_clients) ;;
		esac
		;;
	"rules add" | "rules del")
		case $n in
		0) words="any $(_p2ppolicy_providers)" ;;
		1) words="any $(_p2ppolicy_clients)" ;;
		*) [ "$sub" = add ] && words="p2p bounce reject builtin" ;;
		esac
		;;
	load | "shadow load")
		if [ $n = 0 ]; then
			words=$("$prog" load --list 2>/dev/null | awk '{ print $1 }')
			_p2ppolicy_reply "$(compgen -W "$words" -- "$cur"; compgen -f -X '!*.bpf.o' -- "$cur")"
			return
		fi
		;;
	check-config)
		[ $n = 0 ] && _p2ppolicy_reply "$(compgen -f -- "$cur")"
		return
		;;
	esac
	_p2ppolicy_reply "$(compgen -W "$words" -- "$cur")"
}
complete -F _p2ppolicy p2ppolicy
