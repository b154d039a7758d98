#!/bin/sh
# In the lab guest: run one QMP command through the host's QMP agent (tests/vm/qmp-agent.py)
# and print QEMU's JSON answer; exit 1 if QEMU returned an error or nothing came in 30 s.
#   sh tests/lib/qmp.sh '{"execute": "device_del", "arguments": {"id": "provB"}}'
. tests/lib/wait.sh
d=/mnt/out/qmp
mkdir -p $d
n=$(date +%s%N)
printf '%s\n' "$1" >$d/$n.tmp && mv $d/$n.tmp $d/$n.req
wait_until 30 [ -f $d/$n.rep ] || { echo "qmp: no answer in 30 s" >&2; exit 1; }
cat $d/$n.rep; echo
! grep -q '"error"' $d/$n.rep
