# Lab variant "movable": the switch topology with half of the guest's RAM in ZONE_MOVABLE
# (movablecore=), where user pages come from first, for a registration's long-term pins
# (t_movable: the memory block its buffer was in must still go offline). Prints QEMU
# arguments, one per line.
bash "$(dirname "$0")/switch.sh"
echo "append movablecore=50%"
