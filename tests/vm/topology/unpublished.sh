# Lab variant "unpublished": provider A is a device whose driver registers its BAR as P2PDMA
# memory without publishing it (QEMU's ivshmem-plain, bound by tests/kmod/p2pmap_unpub.ko),
# in the place of the switch variant's NVMe A. Prints QEMU arguments, one per line.
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1: ivshmem, 64 MiB BAR 2  (provider A, unpublished)
#          |                          +-- dn2: edu                    (client behind the switch)
#          +- rp2 -- nvme, 64 MiB CMB                                 (provider B, published)
#          +- edu                                                     (root-complex client)
cat <<'ARGS'
-object memory-backend-ram,id=unpub,size=64M
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=up1,bus=rp1
-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1
-device ivshmem-plain,memdev=unpub,bus=dn1
-device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=2
-device edu,dma_mask=0xffffffffffffffff,bus=dn2
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=4,slot=4,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2
-device edu,dma_mask=0xffffffffffffffff,bus=pcie.0,addr=0x6
ARGS
