#!/bin/sh
# PID 1 of the p2pmap lab guest. The root is the host's / (read-only, virtio-9p); writable
# state goes to tmpfs, results to the share mounted at /mnt/out. Runs /mnt/out/cmd.sh if the
# runner wrote one, else an interactive shell; then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TERM=${TERM:-linux}
top=$(cd "$(dirname "$0")/../.." && pwd)
mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /dev/.host
mount -t devpts devpts /dev/pts
# Keep the host root reachable: the tmpfs mounts below must not hide the repository.
mount --bind / /dev/.host
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t tmpfs shm /dev/shm
mount -t tmpfs vartmp /var/tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs mnt /mnt
mkdir -p /mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 p2pmap_out /mnt/out
for m in /tmp /run /dev/shm /var/tmp /mnt; do
	case "$top/" in
	"$m"/*)
		first=${top#"$m"/}
		first=${first%%/*}
		mkdir -p "$m/$first"
		mount --bind "/dev/.host$m/$first" "$m/$first"
		;;
	esac
done
ip link set lo up 2>/dev/null

if [ -f /mnt/out/cmd.sh ]; then
	sh /mnt/out/cmd.sh </dev/null >/dev/console 2>&1
	echo $? >/mnt/out/exit-code
else
	echo "p2pmap lab shell: the repository is at $top"
	setsid -c sh -i </dev/ttyS0 >/dev/ttyS0 2>&1
fi
dmesg >/mnt/out/dmesg.txt 2>/dev/null
sync
umount /mnt/out
echo o >/proc/sysrq-trigger
# Wait for the power-off with shell builtins only: once it has begun, the 9p root may be gone
# (7.x shuts the virtio devices down first), so no program can be started, and init exiting
# would panic the guest.
while :; do :; done
