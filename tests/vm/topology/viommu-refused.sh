# Lab variant "viommu-refused" (make check, 6.12): "viommu" with QEMU's default CPU
# instead of an AMD Zen, so the kernel whitelists no root complex. With the IOMMU, Linux turns
# ACS redirect on in every port, so the kernel refuses every pair, the switch's too: the
# verified override (t_override) then maps P2P memory with dma_map_resource() through the
# IOMMU (IOVAs). Prints QEMU arguments, one per line ("append" lines are kernel parameters).
#
#   tests/vm/run.sh --variant viommu-refused --out build/vm/vr -- sh tests/vm/guest-run.sh \
#       "tests/guest/t_module.sh --load-only" build/tests/t_override
echo "-device intel-iommu,intremap=off"
bash "$(dirname "$0")/acs.sh" | grep -v '^append '
echo "append intel_iommu=on iommu.strict=1 p2pmap_edu.dma_bits=64"
