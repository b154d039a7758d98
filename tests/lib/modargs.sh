#!/bin/sh
# modargs.sh MODULE: the "MODULE.PARAM=VALUE" words of the kernel command line, printed as
# "PARAM=VALUE": what modprobe would pass the module, for the lab's insmod. A variant sets a
# module's parameters with an "append MODULE.PARAM=VALUE" line (tests/vm/topology/).
for w in $(cat /proc/cmdline); do
	case "$w" in
	"$1".*) echo "${w#"$1".}" ;;
	esac
done
