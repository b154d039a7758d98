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

ok "the root the guest booted on has p2pmap-dkms and p2ppolicy $v installed" \
   [ "$(dpkg-query -W -f='${Status} ${Version}\n' p2pmap-dkms p2ppolicy 2>/dev/null | grep -c "^install ok installed $v\$")" = 2 ]
[ $_fail = 0 ] || { diag "not booted on the packages' root (tests/vm/packages.sh)"; done_tap; exit 1; }
# The lab's own p2pmap.ko is never loaded in this boot (variant packages): a module of the
# same name would hide the DKMS-built one.
ok "no p2pmap module is loaded before modprobe" not grep -q '^p2pmap ' /proc/modules
ok "DKMS built $ko" [ -f "$ko" ]
ok "modinfo -n p2pmap finds it" stdout_is "$ko" modinfo -n p2pmap
ok "built for the running lab kernel ($kver)" stdout_has "^$kver " modinfo -F vermagic p2pmap

modprobe p2pmap
rc=$?
ok "modprobe p2pmap succeeds (exit $rc)" [ $rc = 0 ]
ok "... and loads the module" [ -d /sys/module/p2pmap ]
ok "... $ko: the loaded module's srcversion is that file's" \
   [ "$(cat /sys/module/p2pmap/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko" 2>/dev/null)" ]
ok "... version $v" stdout_is "$v" cat /sys/module/p2pmap/version
ok "/dev/p2pmap is there" [ -c /dev/p2pmap ]
ok "... no policy attached" stdout_is none cat /sys/kernel/p2pmap/policy
step "modprobe"

# The installed p2ppolicy and policy objects.
ok "p2ppolicy is the installed /usr/sbin/p2ppolicy" [ "$(command -v p2ppolicy)" = /usr/sbin/p2ppolicy ]
ok "... it runs (version $v)" stdout_has "$v" p2ppolicy --version
ok "p2ppolicy loads the installed /usr/lib/p2pmap/size_threshold.bpf.o" \
   p2ppolicy load /usr/lib/p2pmap/size_threshold.bpf.o --set min_p2p_bytes=64K
ok "... and attaches it" stdout_is size_threshold cat /sys/kernel/p2pmap/policy
ok "p2ppolicy unload" p2ppolicy unload
ok "... detaches it" stdout_is none cat /sys/kernel/p2pmap/policy

# The daemon, without systemd, from the installed configuration (the policy it names).
want=$(sed -n 's/^name *= *//p' /etc/p2ppolicy.conf | head -n 1)
ok "the installed /etc/p2ppolicy.conf names a policy ($want)" [ -n "$want" ]
ok "... and is valid" p2ppolicy check-config /etc/p2ppolicy.conf
p2ppolicy daemon --config /etc/p2ppolicy.conf >/tmp/deb-daemon.log 2>&1 &
dpid=$!
# Up to 300 s by the clock: under TCG on a loaded machine the daemon's start (configuration,
# BPF load and verification) can take more than a minute.
t_d=$(date +%s)
end=$((t_d + 300))
until grep -qx "$want" /sys/kernel/p2pmap/policy 2>/dev/null || [ "$(date +%s)" -gt $end ]; do sleep 1; done
diag "the daemon attached its policy after $(($(date +%s) - t_d)) s"
ok "p2ppolicy daemon starts from /etc/p2ppolicy.conf" kill -0 $dpid
ok "... and attaches '$want'" stdout_is "$want" cat /sys/kernel/p2pmap/policy
ok "... its pid file in /run" stdout_is $dpid cat /run/p2ppolicy.pid
kill -TERM $dpid
wait $dpid
rc=$?
ok "SIGTERM stops the daemon (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || sed 's/^/# daemon: /' /tmp/deb-daemon.log | tail -20
p2ppolicy unload >/dev/null 2>&1
step "p2ppolicy and its daemon"

# The unit: in place and enabled by the package (never started by it). The man page and the
# bpftrace scripts where the README says, the scripts the repository's own.
ok "p2ppolicy.service is installed" [ -f /lib/systemd/system/p2ppolicy.service ]
ok "... and enabled" [ -L /etc/systemd/system/multi-user.target.wants/p2ppolicy.service ]
# man_page_is FILE: the installed manual page, uncompressed, is FILE.
man_page_is() { zcat /usr/share/man/man8/p2ppolicy.8.gz | cmp -s - "$1"; }
ok "man p2ppolicy finds the installed /usr/share/man/man8/p2ppolicy.8.gz" stdout_is /usr/share/man/man8/p2ppolicy.8.gz man -w p2ppolicy
ok "... which is user/man/p2ppolicy.8" man_page_is user/man/p2ppolicy.8
bt_ok=1
for b in user/bpftrace/*.bt; do
	i=/usr/share/p2pmap/bpftrace/${b##*/}
	[ -x "$i" ] && cmp -s "$b" "$i" || { bt_ok=0; diag "missing or different: $i"; }
done
ok "the bpftrace scripts are in /usr/share/p2pmap/bpftrace/, executable, as user/bpftrace/ has them" [ $bt_ok = 1 ]
ok "... and no others" \
   [ "$(ls /usr/share/p2pmap/bpftrace/*.bt 2>/dev/null | wc -l)" = "$(ls user/bpftrace/*.bt | wc -l)" ]

rmmod p2pmap
ok "rmmod p2pmap unloads it" not grep -q '^p2pmap ' /proc/modules
step "unit, man page, bpftrace scripts"
done_tap
