# Lab variant "unpublished": provider A is a device whose driver registers its BAR as P2PDMA
# memory without publishing it (QEMU's ivshmem-plain, bound by tests/kmod/p2pmap_unpub.ko),
# in the place of the switch variant's NVMe A. Prints QEMU arguments, one per line.
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1: ivshmem, 64 MiB BAR 2  (provider A, unpublished)
#          |                          +-- dn2: edu                    (client behind the switch)
#          +- rp2 -- nvme, 64 MiB CMB                                 (provider B, published)
#          +- edu                                                     (root-complex client)
echo "-object memory-backend-ram,id=unpub,size=64M"
bash "$(dirname "$0")/switch.sh" |
	sed 's/^-device nvme,serial=p2pmapA,.*,bus=dn1$/-device ivshmem-plain,memdev=unpub,bus=dn1/'
