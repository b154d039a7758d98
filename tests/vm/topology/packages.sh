# Lab variant "packages" (docs/lab.md): no devices. The guest boots on a root where
# tests/vm/packages.sh installed the Debian packages (DKMS built p2pmap.ko there), and
# tests/guest/t_deb.sh loads that module and runs the installed p2ppolicy; it moves no data,
# so the boot needs no PCI topology.
true
