# Lab variant "packages" (docs/lab.md): no devices. tests/guest/t_deb.sh installs the Debian
# packages, builds p2pmap.ko with DKMS and loads it; it moves no data, so the boot needs no
# PCI topology.
true
