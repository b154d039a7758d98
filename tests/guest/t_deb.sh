#!/bin/sh
# The Debian packages in the lab, as an operator's machine has them once installed: the guest
# boots on a root where tests/vm/packages.sh installed build/deb/*.deb with dpkg on the host
# (an overlay of the host's /, in a mount namespace of its own), DKMS having built p2pmap.ko
# there against the lab kernel's tree. modprobe loads that file, the installed p2ppolicy
# attaches an installed policy object, the daemon starts from the installed
# /etc/p2ppolicy.conf, and the unit, man page and bpftrace scripts are where the README says.
# Removal and purge are the host's part (tests/vm/packages.sh), after this boot.
#
# The root is read-only here: nothing in this suite installs or writes outside /run, /tmp and
# the kernel's file systems.
. tests/lib/tap.sh
v=$(cat VERSION)
kver=$(uname -r)
ko=/lib/modules/$kver/updates/dkms/p2pmap.ko
step() {	# NAME: the seconds since the last step, as a TAP comment
	now=$(date +%s)
	diag "$1: $((now - t_step)) s"
	t_step=$now
}
t_step=$(date +%s)

ok "dpkg-query -W -f='\${Status} \${Version}\\n' p2pmap-dkms p2ppolicy | grep -c '^install ok installed $v\$' | grep -qx 2" \
   "the root the guest booted on has p2pmap-dkms and p2ppolicy $v installed"
[ $_fail = 0 ] || { diag "not booted on the packages' root (tests/vm/packages.sh)"; done_tap; exit 1; }
# The lab's own p2pmap.ko is never loaded in this boot (variant packages): a module of the
# same name would hide the DKMS-built one.
ok "! grep -q '^p2pmap ' /proc/modules" "no p2pmap module is loaded before modprobe"
ok "[ -f $ko ] && [ \"\$(modinfo -n p2pmap)\" = $ko ]" "modinfo -n p2pmap finds the DKMS-built $ko"
ok "modinfo -F vermagic p2pmap | grep -q '^$kver '" "built for the running lab kernel ($kver)"

modprobe p2pmap
rc=$?
ok "[ $rc = 0 ] && [ -d /sys/module/p2pmap ] && [ \"\$(cat /sys/module/p2pmap/srcversion)\" = \"\$(modinfo -F srcversion $ko)\" ] && [ \"\$(cat /sys/module/p2pmap/version)\" = $v ]" \
   "modprobe p2pmap loads $ko (exit $rc; the loaded module's srcversion is that file's, version $v)"
ok "[ -c /dev/p2pmap ] && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" "/dev/p2pmap is there, no policy attached"
step "modprobe"

# The installed p2ppolicy and policy objects.
ok "[ \"\$(command -v p2ppolicy)\" = /usr/sbin/p2ppolicy ] && p2ppolicy --version | grep -q '$v'" \
   "the installed /usr/sbin/p2ppolicy runs (version $v)"
ok "p2ppolicy load /usr/lib/p2pmap/size_threshold.bpf.o --set min_p2p_bytes=64K && [ \$(cat /sys/kernel/p2pmap/policy) = size_threshold ]" \
   "p2ppolicy attaches the installed /usr/lib/p2pmap/size_threshold.bpf.o"
ok "p2ppolicy unload && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" "p2ppolicy unload detaches it"

# The daemon, without systemd, from the installed configuration (the policy it names).
want=$(sed -n 's/^name *= *//p' /etc/p2ppolicy.conf | head -n 1)
ok "[ -n '$want' ] && p2ppolicy check-config /etc/p2ppolicy.conf" "the installed /etc/p2ppolicy.conf is valid (policy $want)"
p2ppolicy daemon --config /etc/p2ppolicy.conf >/tmp/deb-daemon.log 2>&1 &
dpid=$!
# Up to 300 s by the clock: under TCG on a loaded machine the daemon's start (configuration,
# BPF load and verification) can take more than a minute.
t_d=$(date +%s)
end=$((t_d + 300))
until grep -qx "$want" /sys/kernel/p2pmap/policy 2>/dev/null || [ "$(date +%s)" -gt $end ]; do sleep 1; done
diag "the daemon attached its policy after $(($(date +%s) - t_d)) s"
ok "kill -0 $dpid && [ \"\$(cat /sys/kernel/p2pmap/policy)\" = '$want' ] && [ \"\$(cat /run/p2ppolicy.pid)\" = $dpid ]" \
   "p2ppolicy daemon starts from /etc/p2ppolicy.conf and attaches '$want' (pid file in /run)"
kill -TERM $dpid
wait $dpid
rc=$?
ok "[ $rc = 0 ]" "SIGTERM stops the daemon (exit $rc)"
[ $rc = 0 ] || sed 's/^/# daemon: /' /tmp/deb-daemon.log | tail -20
p2ppolicy unload >/dev/null 2>&1
step "p2ppolicy and its daemon"

# The unit: in place and enabled by the package (never started by it). The man page and the
# bpftrace scripts where the README says, the scripts the repository's own.
ok "[ -f /lib/systemd/system/p2ppolicy.service ] && [ -L /etc/systemd/system/multi-user.target.wants/p2ppolicy.service ]" \
   "p2ppolicy.service is installed and enabled"
ok "[ \"\$(man -w p2ppolicy)\" = /usr/share/man/man8/p2ppolicy.8.gz ] && zcat /usr/share/man/man8/p2ppolicy.8.gz | cmp -s - user/man/p2ppolicy.8" \
   "man p2ppolicy finds the installed /usr/share/man/man8/p2ppolicy.8.gz (user/man/p2ppolicy.8)"
bt_ok=1
for b in user/bpftrace/*.bt; do
	i=/usr/share/p2pmap/bpftrace/${b##*/}
	[ -x "$i" ] && cmp -s "$b" "$i" || { bt_ok=0; diag "missing or different: $i"; }
done
ok "[ $bt_ok = 1 ] && [ \$(ls /usr/share/p2pmap/bpftrace/*.bt | wc -l) = \$(ls user/bpftrace/*.bt | wc -l) ]" \
   "the bpftrace scripts are in /usr/share/p2pmap/bpftrace/, executable, as user/bpftrace/ has them"

rmmod p2pmap
ok "! grep -q '^p2pmap ' /proc/modules" "rmmod p2pmap unloads it"
step "unit, man page, bpftrace scripts"
done_tap
