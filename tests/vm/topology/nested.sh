# Lab variant "nested": two levels of switches, providers and clients at different depths.
# Prints QEMU device arguments, one per line.
#
#   pcie.0 -- rp1 -- sw1 up --+-- dn: nvme A                          (depth 3)
#          |                  +-- dn -- sw2 up --+-- dn: edu 1        (depth 5)
#          |                  |                  +-- dn: nvme C       (depth 5)
#          |                  +-- dn: edu 2                           (depth 3)
#          +- rp2 -- nvme B                                           (own root port)
#          +- edu                                                     (root-complex client)
cat <<'ARGS'
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=sw1,bus=rp1
-device xio3130-downstream,id=sw1d1,bus=sw1,chassis=2,slot=1
-device nvme,serial=p2pmapA,cmb_size_mb=64,bus=sw1d1
-device xio3130-downstream,id=sw1d2,bus=sw1,chassis=3,slot=2
-device x3130-upstream,id=sw2,bus=sw1d2
-device xio3130-downstream,id=sw2d1,bus=sw2,chassis=4,slot=1
-device edu,dma_mask=0xffffffffffffffff,bus=sw2d1
-device xio3130-downstream,id=sw2d2,bus=sw2,chassis=5,slot=2
-device nvme,serial=p2pmapC,cmb_size_mb=64,bus=sw2d2
-device xio3130-downstream,id=sw1d3,bus=sw1,chassis=6,slot=3
-device edu,dma_mask=0xffffffffffffffff,bus=sw1d3
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=7,slot=7,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2
-device edu,dma_mask=0xffffffffffffffff,bus=pcie.0,addr=0x6
append p2pmap_edu.dma_bits=64
ARGS
