#!/bin/sh
# The Debian packages in the lab, as an operator installs them: build/deb/*.deb (make deb, or
# tests/host/t_deb.sh, which builds them from a clean clone) installed with dpkg into the
# guest's root made writable by an overlay (tmpfs upper over the read-only 9p root), in a
# chroot. DKMS builds p2pmap.ko for the lab kernel (/lib/modules/$(uname -r)/build points at
# the lab's tree, $P2PMAP_KDIR, reachable through the 9p root), modprobe loads that file,
# the installed p2ppolicy attaches an installed policy object, the daemon starts from the
# installed /etc/p2ppolicy.conf; 'dpkg --remove' leaves no module or unit and keeps the
# configuration the operator changed, 'dpkg --purge' leaves nothing.
#
# The lab's own p2pmap.ko (and its clients) are unloaded first: modules of the same name.
. tests/lib/tap.sh
v=$(cat VERSION)
top=$(pwd)
kver=$(uname -r)
r=/tmp/deb/root
dkms_deb=$top/build/deb/p2pmap-dkms_${v}_all.deb
pol_deb=$(ls "$top"/build/deb/p2ppolicy_"${v}"_*.deb 2>/dev/null | head -n 1)
ko=/lib/modules/$kver/updates/dkms/p2pmap.ko
# in_root COMMAND-LINE: run it in the installed root (a script: ok's checks run in sh -c).
IR=/tmp/deb/in_root
mkdir -p /tmp/deb
printf '#!/bin/sh\nDEBIAN_FRONTEND=noninteractive exec chroot %s /bin/sh -c "$*"\n' $r >$IR
chmod +x $IR
in_root() { $IR "$@"; }
step() {	# NAME: the seconds since the last step, as a TAP comment
	now=$(date +%s)
	diag "$1: $((now - t_step)) s"
	t_step=$now
}
t_step=$(date +%s)

ok "[ -f $dkms_deb ] && [ -f '$pol_deb' ] && [ -n '${P2PMAP_KDIR:-}' ] && [ -f '${P2PMAP_KDIR:-}/.config' ]" \
   "the packages (build/deb: make deb) and the lab kernel's tree (P2PMAP_KDIR) are there"
[ $_fail = 0 ] || { done_tap; exit 1; }
for m in p2pmap_unpub p2pmap_test p2pmap_edu p2pmap; do
	grep -q "^$m " /proc/modules && rmmod $m
done
ok "! grep -q '^p2pmap ' /proc/modules" "the lab's own p2pmap.ko is not loaded"

# The writable root: an overlay over /, with the kernel's file systems and fresh /tmp and /run
# (no /run/systemd/system: deb-systemd-invoke starts nothing, as in a chroot).
mkdir -p /tmp/deb/upper /tmp/deb/work $r
# The lab kernel's tmpfs has no xattrs, so the overlay cannot mark a directory opaque, and
# renaming a new directory into a lower one fails with EXDEV, as dpkg does with DIR.dpkg-new:
# the packages' new directories are made in the upper layer first (dpkg then finds them
# there, owns them, and removes them on purge as it would have).
{ dpkg-deb -c $dkms_deb; dpkg-deb -c $pol_deb; } | awk '/^d/ { sub(/^\./, "", $6); print $6 }' |
	while read -r d; do [ -e "$d" ] || mkdir -p "/tmp/deb/upper$d"; done
mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/deb/upper,workdir=/tmp/deb/work $r
mount -t proc proc $r/proc
mount --rbind /sys $r/sys
mount --rbind /dev $r/dev
# dkms reads <(...) through /dev/fd, which the lab's devtmpfs lacks (udev makes it).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t tmpfs tmp $r/tmp
mount -t tmpfs run $r/run
ok "$IR 'touch /var/lib/dpkg/p2pmap-probe && rm /var/lib/dpkg/p2pmap-probe'" \
   "an overlay makes the guest's root writable"
# DKMS builds for the running kernel: its headers are the lab's tree. man-db's trigger would
# rebuild every index under TCG: off, as debconf's man-db/auto-update does.
mkdir -p $r/lib/modules/$kver
ln -sfn "$P2PMAP_KDIR" $r/lib/modules/$kver/build
rm -f $r/var/lib/man-db/auto-update
step "overlay"

in_root "dpkg -i $dkms_deb $pol_deb" >/tmp/deb/install.log 2>&1
rc=$?
[ $rc = 0 ] || tail -20 /tmp/deb/install.log | sed 's/^/# /'
ok "[ $rc = 0 ] && $IR \"dpkg-query -W -f='\\\${Status} \\\${Version}\\n' p2pmap-dkms p2ppolicy\" | grep -c '^install ok installed $v\$' | grep -qx 2" \
   "dpkg -i installs p2pmap-dkms and p2ppolicy $v (exit $rc)"
step "dpkg -i (the DKMS build of p2pmap.ko for $kver)"
grep -E 'Building|Done|Installing|dkms' /tmp/deb/install.log | head -5 | sed 's/^/# /'
ok "$IR 'dkms status -m p2pmap -v $v -k $kver' | grep -q ': installed'" "dkms status: p2pmap $v installed for $kver"
ok "[ -f $r$ko ] && [ \"\$($IR 'modinfo -n p2pmap')\" = $ko ]" "modinfo finds the DKMS-built $ko"
ok "$IR 'modinfo -F vermagic p2pmap' | grep -q '^$kver '" "built for the lab kernel ($kver)"

in_root "modprobe p2pmap"
rc=$?
ok "[ $rc = 0 ] && [ -d /sys/module/p2pmap ] && [ \"\$(cat /sys/module/p2pmap/srcversion)\" = \"\$($IR 'modinfo -F srcversion $ko')\" ] && [ \"\$(cat /sys/module/p2pmap/version)\" = $v ]" \
   "modprobe p2pmap loads the DKMS-built module (exit $rc; srcversion and version $v)"
ok "[ -c /dev/p2pmap ] && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" "/dev/p2pmap is there, no policy attached"
step "modprobe"

# The installed p2ppolicy and policy objects.
ok "$IR 'p2ppolicy --version' | grep -q '$v'" "the installed p2ppolicy runs (version $v)"
ok "$IR 'p2ppolicy load /usr/lib/p2pmap/size_threshold.bpf.o --set min_p2p_bytes=64K' && [ \$(cat /sys/kernel/p2pmap/policy) = size_threshold ]" \
   "p2ppolicy attaches the installed /usr/lib/p2pmap/size_threshold.bpf.o"
ok "$IR 'p2ppolicy unload' && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" "p2ppolicy unload detaches it"

# The daemon, without systemd, from the installed configuration (the policy it names).
want=$(sed -n 's/^name *= *//p' $r/etc/p2ppolicy.conf | head -n 1)
ok "[ -n '$want' ] && $IR 'p2ppolicy check-config /etc/p2ppolicy.conf'" "the installed /etc/p2ppolicy.conf is valid (policy $want)"
# $IR itself, not the in_root function: a function in the background is a subshell, whose pid
# is not the daemon's; $IR execs chroot, which execs sh, which execs the daemon (one pid).
$IR "exec p2ppolicy daemon --config /etc/p2ppolicy.conf" >/tmp/deb/daemon.log 2>&1 &
dpid=$!
# Up to 300 s by the clock: under TCG on a loaded machine the daemon's start (configuration,
# BPF load and verification, udev) took more than 60 s, and wait_until counts tries, each of
# which costs seconds here.
t_d=$(date +%s)
end=$((t_d + 300))
until grep -qx "$want" /sys/kernel/p2pmap/policy 2>/dev/null || [ "$(date +%s)" -gt $end ]; do sleep 2; done
diag "the daemon attached its policy after $(($(date +%s) - t_d)) s"
ok "kill -0 $dpid && [ \"\$(cat /sys/kernel/p2pmap/policy)\" = '$want' ] && [ \"\$(cat $r/run/p2ppolicy.pid)\" = $dpid ]" \
   "p2ppolicy daemon starts from /etc/p2ppolicy.conf and attaches '$want' (pid file in /run)"
kill -TERM $dpid
wait $dpid
rc=$?
ok "[ $rc = 0 ]" "SIGTERM stops the daemon (exit $rc)"
[ $rc = 0 ] || sed 's/^/# daemon: /' /tmp/deb/daemon.log | tail -20
in_root "p2ppolicy unload" >/dev/null 2>&1
step "p2ppolicy and its daemon"

# The unit: in place and enabled by the package, not started (no systemd here; and the
# postinst never starts it).
ok "[ -f $r/lib/systemd/system/p2ppolicy.service ] && [ -L $r/etc/systemd/system/multi-user.target.wants/p2ppolicy.service ]" \
   "p2ppolicy.service is installed and enabled"

# Removal: the operator changed the configuration; remove keeps it, and only it.
rmmod p2pmap
echo "# changed by the operator" >>$r/etc/p2ppolicy.conf
in_root "dpkg --remove p2ppolicy p2pmap-dkms" >/tmp/deb/remove.log 2>&1
rc=$?
[ $rc = 0 ] || tail -20 /tmp/deb/remove.log | sed 's/^/# /'
ok "[ $rc = 0 ] && [ ! -e $r$ko ] && ! $IR 'modinfo p2pmap' && [ ! -e $r/usr/src/p2pmap-$v ] && [ -z \"\$($IR 'dkms status -m p2pmap')\" ]" \
   "dpkg --remove (exit $rc) leaves no module: no $ko, no DKMS tree or registration"
ok "[ ! -e $r/lib/systemd/system/p2ppolicy.service ] && [ ! -e $r/usr/sbin/p2ppolicy ] && [ ! -e $r/usr/lib/p2pmap ]" \
   "dpkg --remove leaves no unit, program or policy objects"
ok "grep -q 'changed by the operator' $r/etc/p2ppolicy.conf" "dpkg --remove keeps the changed /etc/p2ppolicy.conf (a conffile)"
in_root "dpkg --purge p2ppolicy p2pmap-dkms" >/tmp/deb/purge.log 2>&1
rc=$?
ok "[ $rc = 0 ] && [ ! -e $r/etc/p2ppolicy.conf ] && [ -z \"\$(find $r/etc/systemd -name 'p2ppolicy*')\" ] && [ ! -e $r/var/lib/dkms/p2pmap ]" \
   "dpkg --purge (exit $rc) removes the configuration, the unit's enablement and DKMS's state"
ok "! $IR 'dpkg-query -W -f=\"\\\${Status}\\n\" p2ppolicy p2pmap-dkms' 2>/dev/null | grep -qE 'ok (installed|config-files|half)'" \
   "dpkg knows neither package any more"
step "remove and purge"

# Never remove /tmp/deb while the overlay (with /dev and /sys bound in it) is mounted there.
umount -R $r 2>/dev/null || umount -lR $r
mountpoint -q $r || rm -rf /tmp/deb
done_tap
