# Lab variant "acs": the switch topology with ACS P2P Request/Completion Redirect and Upstream
# Forwarding turned on in the switch's downstream ports, so peer traffic between them must go
# up to the root complex. Prints QEMU device arguments, one per line ("append" lines are
# kernel parameters).
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1 (ACS): nvme, 64 MiB CMB   (provider A)
#          |                          +-- dn2 (ACS): edu                (client)
#          +- rp2 -- nvme, 64 MiB CMB                                   (provider B)
#          +- edu                                                       (root-complex client)
#
# QEMU 7.2's xio3130-downstream has no ACS capability, so the switch's downstream ports here
# are QEMU's generic PCIe ports (pcie-root-port), which have one. Linux enables ACS redirect
# only with an IOMMU, or where the command line says so: pci=config_acs= on the two ports.
cat <<'ARGS'
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=up1,bus=rp1
-device pcie-root-port,id=dn1,bus=up1,chassis=2,slot=1,addr=0x0
-device nvme,serial=p2pmapA,cmb_size_mb=64,bus=dn1
-device pcie-root-port,id=dn2,bus=up1,chassis=3,slot=2,addr=0x1
-device edu,dma_mask=0xffffffffffffffff,bus=dn2
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=4,slot=4,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2
-device edu,dma_mask=0xffffffffffffffff,bus=pcie.0,addr=0x6
append pci=config_acs=111xx@0000:02:00.0;111xx@0000:02:01.0
append p2pmap_edu.dma_bits=64
ARGS
