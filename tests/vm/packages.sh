#!/usr/bin/env bash
# The Debian packages, installed as an operator installs them, without touching this machine:
#
#   tests/vm/packages.sh [tests/vm/run.sh options] -- COMMAND...
#
# In a mount namespace of its own (unshare -m, private propagation): an overlay of the host's
# / with a tmpfs upper layer, /lib/modules/<lab release>/build linked to the lab kernel's tree
# (KDIR), and dpkg -i of build/deb/*.deb in a chroot of it. The packages' maintainer scripts
# run and DKMS builds p2pmap.ko natively against the lab kernel. Then the lab guest boots on
# that tree (tests/vm/run.sh with P2PMAP_ROOT, started in the same namespace, so QEMU exports
# the overlay) and runs COMMAND (tests/guest/t_deb.sh: modprobe, p2ppolicy, the daemon). Back
# on the host, in the same root: dpkg --remove, then --purge; then the postinst through a
# kernel tree without CONFIG_PCI_P2PDMA, which it must refuse. When the namespace is gone the
# host's dpkg database, /lib/modules, /usr/src and /etc are as they were.
#
# Builds build/deb/ first when it has no packages (make deb). The host's checks are TAP in
# DIR/host-tap/ (--out DIR: t_deb_root.tap, the installed root's; t_deb_host.tap, this
# machine's afterwards), which tests/lab.sh counts with the guest's. The exit status is
# tests/vm/run.sh's (the guest's). Needs root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
export KDIR=${KDIR:-$(scripts/build-kernel.sh --dir)}
v=$(cat VERSION)
kver=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null)
dkms_deb=$top/build/deb/p2pmap-dkms_${v}_all.deb
pol_deb() { ls "$top"/build/deb/p2ppolicy_"${v}"_*.deb 2>/dev/null | head -n 1; }

if [ "${1:-}" = --in-namespace ]; then
	d=$2 out=$3
	shift 3
	# Everything below mounts: only ever in a mount namespace of its own, not its caller's
	# (unshare execs this script, so the caller is the parent).
	[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/$PPID/ns/mnt)" ] ||
		{ echo "packages: --in-namespace in its caller's mount namespace: refused" >&2; exit 2; }
	run_args=("$@")
	root=$d/root
	pol_deb=$(pol_deb)
	exec 3>&1
	exec >"$out/host-tap/t_deb_root.tap"
	. tests/lib/tap.sh
	step() {	# NAME: the seconds since the last step, as a TAP comment
		now=$(date +%s)
		diag "$1: $((now - t_step)) s"
		t_step=$now
	}
	t0=$(date +%s) t_step=$t0
	# in_root COMMAND-LINE: run it in the chroot (a script, which timeout can run: dpkg's runs
	# are bounded, dpkg_in_root, so that a hung maintainer script fails the step).
	IR=$d/in_root
	# dkms reads <(...) through /dev/fd; deb-systemd-invoke starts nothing without
	# /run/systemd/system, which the fresh /run lacks (as in any chroot).
	kfs() {	# mount|umount: the kernel's file systems and a fresh /tmp and /run in the root
		if [ "$1" = mount ]; then
			mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" &&
			mount --rbind /dev "$root/dev" && mount -t tmpfs tmp "$root/tmp" &&
			mount -t tmpfs run "$root/run"
		else
			for m in run tmp dev sys proc; do
				! mountpoint -q "$root/$m" || umount -R "$root/$m" || umount -lR "$root/$m"
			done
		fi
	}
	cleanup() {
		kfs umount 2>/dev/null
		! mountpoint -q "$root" || umount "$root" || umount -l "$root"
		! mountpoint -q "$d" || umount "$d" || umount -l "$d"
	}
	trap cleanup EXIT
	dpkg_in_root() { timeout -k 10 600 "$IR" "$@"; }

	ok "the package p2pmap-dkms is there (build/deb)" [ -f "$dkms_deb" ]
	ok "... and p2ppolicy" [ -f "$pol_deb" ]
	ok "the lab kernel's tree has a release ($kver)" [ -n "$kver" ]
	ok "... and a configuration ($KDIR)" [ -f "$KDIR/.config" ]
	[ $_fail = 0 ] || { done_tap; exit 1; }
	# The root: the host's / under a tmpfs upper layer. Only this namespace sees it, and the
	# tmpfs goes with the namespace whatever happens.
	mount -t tmpfs -o mode=0755 p2pmap-deb "$d" && mkdir "$d/upper" "$d/work" "$root" &&
		mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$root" &&
		kfs mount
	rc=$?
	[ $rc != 0 ] || {
		printf '#!/bin/sh\nDEBIAN_FRONTEND=noninteractive exec chroot %s /bin/sh -c "$*"\n' "$root" >"$IR"
		chmod +x "$IR"
	}
	ok "an overlay of / (tmpfs upper) in a mount namespace of its own (exit $rc)" [ $rc = 0 ]
	ok "... writable" "$IR" 'touch /var/lib/dpkg/p2pmap-probe'
	ok "... its writes in the upper layer" [ -e "$d/upper/var/lib/dpkg/p2pmap-probe" ]
	ok "... not the host's" [ ! -e /var/lib/dpkg/p2pmap-probe ]
	ok "... and removable" "$IR" 'rm /var/lib/dpkg/p2pmap-probe'
	[ $_fail = 0 ] || { done_tap; exit 1; }
	# DKMS builds for the running kernel and the kernels in /lib/modules, and the postinst
	# checks the running one's tree: in the root the only kernel is the lab's (the chroot's
	# uname -r, the host's, has no directory there), its headers the lab kernel's tree.
	# man-db's trigger would rebuild the manual's index: off, as debconf's man-db/auto-update does.
	for k in "$root"/lib/modules/*; do
		[ ! -e "$k" ] || [ "${k##*/}" = "$kver" ] || rm -rf "$k"
	done
	mkdir -p "$root/lib/modules/$kver"
	ln -sfn "$KDIR" "$root/lib/modules/$kver/build"
	rm -f "$root/var/lib/man-db/auto-update"
	step "overlay"

	dpkg_in_root "dpkg -i $dkms_deb $pol_deb" >"$out/install.log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -20 "$out/install.log" | sed 's/^/# /'
	grep -E '^(Building|Running|Installing|Signing|depmod)|^ *Building' "$out/install.log" | head -5 | sed 's/^/# /'
	ok "dpkg -i succeeds in the root (exit $rc)" [ $rc = 0 ]
	ok "... and installs p2pmap-dkms and p2ppolicy $v" \
	   [ "$("$IR" "dpkg-query -W -f='\${Status} \${Version}\n' p2pmap-dkms p2ppolicy" 2>/dev/null | grep -c "^install ok installed $v\$")" = 2 ]
	step "dpkg -i (the DKMS build of p2pmap.ko for $kver)"
	ko=/lib/modules/$kver/updates/dkms/p2pmap.ko
	ok "dkms status: p2pmap $v installed for $kver" stdout_has ': installed' "$IR" "dkms status -m p2pmap -v $v -k $kver"
	ok "DKMS installed $ko" [ -f "$root$ko" ]
	ok "... and depmod knows it" [ "$("$IR" "modinfo -k $kver -n p2pmap" 2>/dev/null)" = "$ko" ]
	ok "... built for the lab kernel ($kver)" stdout_has "^$kver " "$IR" "modinfo -k $kver -F vermagic p2pmap"
	ok "the DKMS-built module has its BTF (struct_ops policies need it)" stdout_has '\.BTF' readelf -S "$root$ko"

	# The boot: the root without the host's kernel file systems (the guest mounts its own).
	kfs umount
	t_boot=$(date +%s)
	P2PMAP_ROOT=$root tests/vm/run.sh "${run_args[@]}" >&3
	boot_rc=$?
	diag "tests/vm/run.sh on the installed root: exit $boot_rc"
	step "the lab boot on the installed root (tests/guest/t_deb.sh)"
	boot_s=$(($(date +%s) - t_boot))
	kfs mount

	# Removal: the operator changed the configuration; remove keeps it, and only it.
	t_rm=$(date +%s)
	echo "# changed by the operator" >>"$root/etc/p2ppolicy.conf"
	dpkg_in_root "dpkg --remove p2ppolicy p2pmap-dkms" >"$out/remove.log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -20 "$out/remove.log" | sed 's/^/# /'
	ok "dpkg --remove succeeds (exit $rc)" [ $rc = 0 ]
	ok "... and leaves no module: no $ko" [ ! -e "$root$ko" ]
	ok "... none that modinfo finds" not "$IR" "modinfo -k $kver p2pmap"
	ok "... no DKMS tree" [ ! -e "$root/usr/src/p2pmap-$v" ]
	ok "... or registration" [ -z "$("$IR" 'dkms status -m p2pmap' 2>/dev/null)" ]
	# The unit, the program, the policy objects, the bpftrace scripts and the man page.
	for f in /lib/systemd/system/p2ppolicy.service /usr/sbin/p2ppolicy /usr/lib/p2pmap /usr/share/p2pmap \
		 /usr/share/man/man8/p2ppolicy.8.gz; do
		ok "dpkg --remove leaves no $f" [ ! -e "$root$f" ]
	done
	ok "dpkg --remove keeps the changed /etc/p2ppolicy.conf" grep -q 'changed by the operator' "$root/etc/p2ppolicy.conf"
	ok "... a conffile (p2ppolicy: config-files)" stdout_has 'config-files' "$IR" 'dpkg-query -W -f="\${Status}\n" p2ppolicy'
	dpkg_in_root "dpkg --purge p2ppolicy p2pmap-dkms" >"$out/purge.log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -20 "$out/purge.log" | sed 's/^/# /'
	ok "dpkg --purge succeeds (exit $rc)" [ $rc = 0 ]
	ok "... and removes the configuration" [ ! -e "$root/etc/p2ppolicy.conf" ]
	ok "... the unit's enablement" [ -z "$(find "$root/etc/systemd" -name 'p2ppolicy*')" ]
	ok "... DKMS's state" [ ! -e "$root/var/lib/dkms/p2pmap" ]
	ok "... (dkms status: empty)" [ -z "$("$IR" 'dkms status' 2>/dev/null)" ]
	ok "dpkg knows neither package any more" \
	   not stdout_has -E 'ok (installed|config-files|half)' "$IR" 'dpkg-query -W -f="\${Status}\n" p2ppolicy p2pmap-dkms'
	# Everything the packages wrote went to the upper layer; what is left there of them is
	# what they left behind (a whiteout, a character device, is a file the host has and the
	# root no longer).
	left=$(find "$d/upper" \( -name '*p2p*' -o -path "*/updates/dkms/*" \) ! -type c 2>/dev/null)
	[ -z "$left" ] || echo "$left" | sed "s|^$d/upper|# left: |"
	ok "nothing of either package is left in the root (its upper layer)" [ -z "$left" ]
	step "remove and purge"
	rm_s=$(($(date +%s) - t_rm))

	# The refusal, through the real postinst: it checks the running kernel, which in this
	# chroot is the host's ($(uname -r)). Its release directory gets a tree that is the lab
	# kernel's configuration and Makefile with CONFIG_PCI_P2PDMA unset.
	hk=$(uname -r)
	fake=/usr/src/kernel-without-p2pdma
	mkdir -p "$root$fake/include/config" "$root/lib/modules/$hk"
	cp "$KDIR/Makefile" "$root$fake/"
	cp "$KDIR/include/config/kernel.release" "$root$fake/include/config/"
	for f in .config include/config/auto.conf; do
		sed 's/^CONFIG_PCI_P2PDMA=y$/# CONFIG_PCI_P2PDMA is not set/' "$KDIR/$f" >"$root$fake/$f"
	done
	ln -sfn "$fake" "$root/lib/modules/$hk/build"
	dpkg_in_root "dpkg -i $dkms_deb" >"$out/refuse.log" 2>&1
	rc=$?
	sed -n '/p2pmap/p' "$out/refuse.log" | head -6 | sed 's/^/# /'
	ok "the postinst refuses a kernel tree without CONFIG_PCI_P2PDMA (dpkg -i exit $rc)" [ $rc != 0 ]
	ok "... naming it" grep -q 'lacks: CONFIG_PCI_P2PDMA$' "$out/refuse.log"
	ok "... and does not build the module" grep -q "kernel $hk cannot run p2pmap (see above): not building the module" "$out/refuse.log"
	ok "it refuses before DKMS: the package is half-configured" \
	   stdout_has 'half-configured' "$IR" 'dpkg-query -W -f="\${Status}\n" p2pmap-dkms'
	ok "... nothing registered" [ -z "$("$IR" 'dkms status' 2>/dev/null)" ]
	ok "... or built" [ -z "$(find "$root/lib/modules" -name p2pmap.ko)" ]
	dpkg_in_root "dpkg --purge p2pmap-dkms" >>"$out/refuse.log" 2>&1
	rc=$?
	rm -rf "${root:?}$fake" "${root:?}/lib/modules/$hk"
	ok "dpkg --purge of the refused package succeeds (exit $rc)" [ $rc = 0 ]
	ok "... dpkg does not know it any more" not "$IR" 'dpkg-query -W p2pmap-dkms'
	ok "... and its DKMS tree is gone" [ ! -e "$root/usr/src/p2pmap-$v" ]
	step "the refusal"

	cleanup
	ok "the root's mounts are gone" not grep -q " $d" /proc/self/mountinfo
	diag "packages step: the host's install $((t_boot - t0)) s, the boot $boot_s s, remove and purge $rm_s s, the whole $(($(date +%s) - t0)) s"
	done_tap
	exit $boot_rc
fi

# This machine, before and after: the dpkg database, the modules, DKMS's tree, the packages'
# files and /etc/p2ppolicy.conf (none of which the packages' root may change).
host_state() {
	sha256sum /var/lib/dpkg/status
	dpkg -l | grep -i p2p
	find /lib/modules /usr/src /var/lib/dkms -maxdepth 3 2>&1 | sort | sha256sum
	ls -ld /etc/p2ppolicy.conf /usr/sbin/p2ppolicy /lib/systemd/system/p2ppolicy.service \
		/etc/systemd/system/multi-user.target.wants/p2ppolicy.service 2>&1
}
[ "$(id -u)" = 0 ] || { echo "packages: needs root (a mount namespace, dpkg in a chroot)" >&2; exit 2; }
out="" a=("$@")
for ((i = 0; i < ${#a[@]}; i++)); do
	[ "${a[i]}" = -- ] && break
	[ "${a[i]}" = --out ] && out=${a[i + 1]:-}
done
[ -n "$out" ] || { out=$top/build/vm/packages; a=(--out "$out" "${a[@]}"); }
mkdir -p "$out"
rm -rf "$out/host-tap"
mkdir -p "$out/host-tap"
host_state >"$out/host-before.txt" 2>&1
dpkg -l | grep -i p2p >"$out/dpkg-l-before.txt"
t0=$(date +%s)
deb_s=0
if ! [ -f "$dkms_deb" ] || [ -z "$(pol_deb)" ]; then
	echo "== make deb (build/deb/ has no packages; log: $out/deb.log)"
	make -s deb >"$out/deb.log" 2>&1 || echo "packages: make deb failed (see $out/deb.log)"
	deb_s=$(($(date +%s) - t0))
fi
# The root's mount point: the tmpfs and the overlay are mounted on it in the namespace only.
d=$(mktemp -d /tmp/p2pmap-deb.XXXXXX)
trap 'rmdir "$d" 2>/dev/null' EXIT
unshare -m --propagation private -- "$here/packages.sh" --in-namespace "$d" "$out" "${a[@]}"
rc=$?
cat "$out/host-tap/t_deb_root.tap"
rmdir "$d"
gone=$?
host_state >"$out/host-after.txt" 2>&1
dpkg -l | grep -i p2p >"$out/dpkg-l-after.txt"
{
	. tests/lib/tap.sh
	[ $deb_s = 0 ] || diag "make deb: $deb_s s"
	diff "$out/host-before.txt" "$out/host-after.txt" | sed 's/^/# /'
	ok "this machine's dpkg database is untouched (/var/lib/dpkg/status checksum)" \
	   [ "$(head -n 1 "$out/host-before.txt")" = "$(head -n 1 "$out/host-after.txt")" ]
	ok "... dpkg -l's p2p lines as before" cmp -s "$out/dpkg-l-before.txt" "$out/dpkg-l-after.txt"
	ok "this machine's /lib/modules, /usr/src, /var/lib/dkms and the packages' files are as they were" \
	   cmp -s "$out/host-before.txt" "$out/host-after.txt"
	ok "the packages' root's directory ($d) is gone" [ $gone = 0 ]
	ok "no mount of the packages' root is left" not grep -q " $d" /proc/self/mountinfo
	diag "packages step, make deb included: $(($(date +%s) - t0)) s"
	done_tap
} | tee "$out/host-tap/t_deb_host.tap"
exit $rc
