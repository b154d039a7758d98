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
if [ "$1" = --load-only ]; then
	ok "insmod $K/p2pmap.ko && insmod $E/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) && insmod tests/kmod/p2pmap_test.ko" \
	   "p2pmap, p2pmap_edu and the test module load together"
	n=$(lspci -n -d 1234:11e8 | wc -l)
	ok "[ \$(ls /dev/p2pmap-edu* | wc -l) = $n ] && [ $n -ge 2 ]" "p2pmap_edu binds all $n edu devices"
	done_tap
	exit
fi
ok "insmod $K/p2pmap.ko" "p2pmap.ko loads"
ok "[ -c /dev/p2pmap ]" "/dev/p2pmap is a character device"
ok "[ \$(stat -c %a /dev/p2pmap) = 600 ]" "/dev/p2pmap is mode 0600"
V=$(cat VERSION)
ok "[ \$(cat /sys/kernel/p2pmap/version) = $V ]" "/sys/kernel/p2pmap/version is $V (VERSION)"
ok "[ -f /sys/kernel/btf/p2pmap ]" "module BTF is visible in /sys/kernel/btf/p2pmap"
ok "bpftool -B /sys/kernel/btf/vmlinux btf dump file /sys/kernel/btf/p2pmap | grep -q 'STRUCT .p2pmap_pair.'" \
   "bpftool reads the module BTF and finds struct p2pmap_pair"
ok "rmmod p2pmap" "p2pmap.ko unloads"
ok "[ ! -e /dev/p2pmap ] && [ ! -e /sys/kernel/p2pmap ] && [ ! -e /sys/kernel/btf/p2pmap ]" \
   "device, sysfs and BTF are gone after unload"
i=0; while [ $i -lt 5 ]; do insmod $K/p2pmap.ko && rmmod p2pmap || break; i=$((i + 1)); done
ok "[ $i = 5 ]" "5 more load/unload cycles"
ok "insmod $K/p2pmap.ko && insmod $E/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) && insmod tests/kmod/p2pmap_test.ko" \
   "p2pmap, p2pmap_edu and the test module load together"
n=$(lspci -n -d 1234:11e8 | wc -l)
ok "[ \$(ls /dev/p2pmap-edu* | wc -l) = $n ] && [ $n -ge 2 ]" "p2pmap_edu binds all $n edu devices"
ok "! rmmod p2pmap" "p2pmap cannot be removed while p2pmap_edu uses it"
done_tap
