#!/bin/sh
# p2pmap.ko loads and unloads cleanly; its device, sysfs and BTF appear and go away. Leaves
# p2pmap, p2pmap_edu and the test module loaded, as every other suite expects.
#
#   t_module.sh              the whole suite (a lab's first run of it)
#   t_module.sh --load-only  only load the three modules and check the edus are bound: every
#                            other lab boot (each load/unload cycle costs seconds under TCG)
. tests/lib/tap.sh
K=kernel
E=samples/p2pmap_edu
# load_all: load p2pmap, p2pmap_edu (with the parameters the kernel command line gives it) and
# the test module, and check that p2pmap_edu binds every edu of the lab.
load_all() {
	ok "p2pmap loads" insmod $K/p2pmap.ko
	ok "p2pmap_edu loads after it" insmod $E/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu)
	ok "the test module loads after them" insmod tests/kmod/p2pmap_test.ko
	n=$(lspci -n -d 1234:11e8 | wc -l)
	ok "p2pmap_edu binds all $n edu devices" [ "$(ls /dev/p2pmap-edu* 2>/dev/null | wc -l)" = "$n" ]
	ok "... of which the lab has at least 2" [ "$n" -ge 2 ]
}
if [ "$1" = --load-only ]; then
	load_all
	done_tap
	exit
fi
ok "p2pmap.ko loads" insmod $K/p2pmap.ko
ok "/dev/p2pmap is a character device" [ -c /dev/p2pmap ]
ok "/dev/p2pmap is mode 0600" stdout_is 600 stat -c %a /dev/p2pmap
V=$(cat VERSION)
ok "/sys/kernel/p2pmap/version is $V (VERSION)" stdout_is "$V" cat /sys/kernel/p2pmap/version
ok "module BTF is visible in /sys/kernel/btf/p2pmap" [ -f /sys/kernel/btf/p2pmap ]
ok "bpftool reads the module BTF and finds struct p2pmap_pair" \
   stdout_has 'STRUCT .p2pmap_pair.' bpftool -B /sys/kernel/btf/vmlinux btf dump file /sys/kernel/btf/p2pmap
ok "p2pmap.ko unloads" rmmod p2pmap
ok "the device is gone after unload" [ ! -e /dev/p2pmap ]
ok "... and sysfs" [ ! -e /sys/kernel/p2pmap ]
ok "... and BTF" [ ! -e /sys/kernel/btf/p2pmap ]
i=0; while [ $i -lt 5 ]; do insmod $K/p2pmap.ko && rmmod p2pmap || break; i=$((i + 1)); done
ok "5 more load/unload cycles" [ $i = 5 ]
load_all
ok "p2pmap cannot be removed while p2pmap_edu uses it" not rmmod p2pmap
done_tap
