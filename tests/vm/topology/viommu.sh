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
# The topology is "acs"'s (without its config_acs=: here the IOMMU turns ACS on).
echo "-cpu EPYC"
echo "-device intel-iommu,intremap=off"
bash "$(dirname "$0")/acs.sh" | grep -v '^append '
# P2PMAP_IOMMU_STRICT=0: lazy unmaps (a flush queue) instead of an IOTLB invalidation each.
echo "append intel_iommu=on iommu.strict=${P2PMAP_IOMMU_STRICT:-1} p2pmap_edu.dma_bits=64"
