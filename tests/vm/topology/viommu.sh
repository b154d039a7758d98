# Lab variant "viommu": QEMU's Intel IOMMU (VT-d), the kernel translating every DMA through it.
# Prints QEMU arguments, one per line ("append" lines are kernel parameters).
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1: nvme, 64 MiB CMB   (provider A)
#          |                          +-- dn2: edu                (client behind the switch)
#          +- rp2 -- nvme, 64 MiB CMB                             (provider B)
#          +- edu                                                 (root-complex client)
#          +- intel-iommu
#
# With an IOMMU, Linux turns ACS redirect on in every port that has it, so peer traffic goes
# up to the root complex and through the IOMMU, as on real servers. The switch's downstream
# ports are QEMU's generic ports for that (xio3130-downstream has no ACS; see acs.sh). The CPU
# is an AMD Zen (EPYC), whose root complex Linux allows P2P through (cpu_supports_p2pdma()):
# so P2P mappings here are IOMMU mappings of the providers' BARs, not bus addresses.
cat <<'ARGS'
-cpu EPYC
-device intel-iommu,intremap=off
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=up1,bus=rp1
-device pcie-root-port,id=dn1,bus=up1,chassis=2,slot=1,addr=0x0
-device nvme,serial=p2pmapA,cmb_size_mb=64,bus=dn1
-device pcie-root-port,id=dn2,bus=up1,chassis=3,slot=2,addr=0x1
-device edu,dma_mask=0xffffffffffffffff,bus=dn2
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=4,slot=4,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2
-device edu,dma_mask=0xffffffffffffffff,bus=pcie.0,addr=0x6
append intel_iommu=on iommu.strict=1
ARGS
