#!/bin/sh
# A provider that registers P2PDMA memory without publishing it (variant "unpublished"):
# p2pmap treats it as a provider. Loads tests/kmod/p2pmap_unpub.ko, which the later suites of
# the variant (t_matrix: verdicts and real data over every pair) need; t_unload.sh removes it.
. tests/lib/tap.sh
ok "p2pmap_unpub.ko loads" insmod tests/kmod/p2pmap_unpub.ko
U=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ] && basename $d; done | head -n 1)
P=/sys/bus/pci/devices/$U
ok "there is an ivshmem device ($U)" [ -n "$U" ]
ok "... bound to a driver" [ -e $P/driver ]
ok "... p2pmap_unpub" [ "$(basename "$(readlink $P/driver)")" = p2pmap_unpub ]
ok "its 64 MiB of P2PDMA memory are registered" stdout_is 67108864 cat $P/p2pmem/size
ok "... and not published" stdout_is 0 cat $P/p2pmem/published
EDU_SW=$(lspci -D -n -d 1234:11e8 | awk '$1 ~ /^0000:04/ { print $1 }')
EDU_RC=$(lspci -D -n -d 1234:11e8 | awk '$1 ~ /^0000:00/ { print $1 }')
# p2ppolicy explain answers for it (EXPLAIN refuses devices that are not providers)
ok "explain answers for the unpublished provider and a client behind its switch" \
   stdout_has 'direction bidi: P2P$' build/user/p2ppolicy explain "$U" "$EDU_SW" --size 64K
# The in-kernel path: pci_alloc_p2pmem() memory of the unpublished provider, through
# p2pmap_map_sgtable(): P2P for the client behind the switch, bounced for the other.
echo "$EDU_SW" >$P/p2pmap_selftest
r=$(cat $P/p2pmap_selftest); diag "selftest $EDU_SW: $r"
ok "p2pmap_map_sgtable() of its pci_alloc_p2pmem() memory goes P2P for $EDU_SW" \
   [ "$r" = 'p2p=65536 bounce=0 ram=0 segments=1' ]
echo "$EDU_RC" >$P/p2pmap_selftest
r=$(cat $P/p2pmap_selftest); diag "selftest $EDU_RC: $r"
ok "and is bounced for $EDU_RC, which the kernel refuses" [ "$r" = 'p2p=0 bounce=65536 ram=0 segments=1' ]
done_tap
