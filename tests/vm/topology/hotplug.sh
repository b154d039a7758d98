# Lab variant "hotplug": the switch topology with both hot-pluggable devices on root ports that
# QEMU hot-plugs through ACPI (acpiphp in the guest), for t_hotplug.sh: QMP device_del and
# device_add of provider B and of an edu while transfers run. Prints QEMU arguments.
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1: nvme, 64 MiB CMB   (provider A)
#          |                          +-- dn2: edu                (client behind the switch)
#          +- rp2 -- nvme, 64 MiB CMB  id=provB                   (provider B, hot-pluggable)
#          +- rp3 -- edu               id=eduRP                   (client, hot-pluggable)
#
# Linux 6.12's native pciehp makes lockdep report a reset_lock / pci_rescan_remove_lock cycle
# inside pciehp itself on every removal (linux-pci, "Lockdep warning about ctrl->reset_lock in
# pciehp", 2021), which would fail any run; QEMU's default ACPI hot-plug of root ports avoids
# pciehp for these slots.
cat <<'ARGS'
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=up1,bus=rp1
-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1
-device nvme,serial=p2pmapA,cmb_size_mb=64,bus=dn1
-device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=2
-device edu,dma_mask=0xffffffffffffffff,bus=dn2
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=4,slot=4,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2,id=provB
-device pcie-root-port,id=rp3,bus=pcie.0,chassis=5,slot=5,addr=0x6
-device edu,dma_mask=0xffffffffffffffff,bus=rp3,id=eduRP
append p2pmap_edu.dma_bits=64
ARGS
