#!/usr/bin/env bash
# make install / make uninstall (the Makefile exports the directories).
#
#   p2ppolicy                 $SBINDIR/p2ppolicy
#   shipped policies          $POLICYDIR/*.bpf.o (for bpftool; p2ppolicy embeds its own)
#   systemd unit              $UNITDIR/p2ppolicy.service
#   example configuration     $DOCDIR/p2ppolicy.conf.example, and $SYSCONFDIR/p2ppolicy.conf
#                             unless one exists (an operator's file is never overwritten)
#   man page                  $MANDIR/man8/p2ppolicy.8
#   bpftrace scripts          $BPFTRACEDIR/*.bt
#   Grafana dashboard         $GRAFANADIR/p2pmap.json
#   bash completion           $COMPLETIONDIR/p2ppolicy
#   module sources for DKMS   $DKMS_SRC, then 'dkms add/build/install' when DESTDIR is empty
#
# DESTDIR=DIR installs below DIR and never runs dkms (packaging, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VERSION:?run through make install}"
: "${P2PMAP_POLICIES:?run through make install (bpf/policies.mk)}"
: "${BPFTRACEDIR:?run through make install}"
: "${COMPLETIONDIR:?run through make install}"
: "${GRAFANADIR:?run through make install}"
D=${DESTDIR:-}
say() { printf '  INSTALL %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

files() {	# SOURCE DEST MODE, one per line
	echo "build/user/p2ppolicy $SBINDIR/p2ppolicy 0755"
	for o in $P2PMAP_POLICIES; do
		echo "bpf/$o.bpf.o $POLICYDIR/$o.bpf.o 0644"
	done
	echo "bpf/rules.h $POLICYDIR/rules.h 0644"
	echo "bpf/p2pmap.bpf.h $POLICYDIR/p2pmap.bpf.h 0644"
	echo "user/etc/p2ppolicy.conf $DOCDIR/p2ppolicy.conf.example 0644"
	echo "user/man/p2ppolicy.8 $MANDIR/man8/p2ppolicy.8 0644"
	echo "user/completion/p2ppolicy.bash $COMPLETIONDIR/p2ppolicy 0644"
	echo "build/user/p2ppolicy.service $UNITDIR/p2ppolicy.service 0644"
	echo "user/grafana/p2pmap.json $GRAFANADIR/p2pmap.json 0644"
	for b in user/bpftrace/*.bt; do
		echo "$b $BPFTRACEDIR/${b##*/} 0755"
	done
}

dkms_files() {
	# The module's tree: VERSION, kernel/ and include/ (samples/ is the lab's, never shipped).
	echo VERSION
	ls kernel/*.c kernel/*.h kernel/*.mk kernel/Kbuild kernel/Makefile | grep -v '\.mod\.c$'
	ls include/*.h include/uapi/*.h
}

install_all() {
	[ "$VERSION" = "$(cat VERSION)" ] || die "VERSION says $(cat VERSION), make says $VERSION"
	sed -e "s|@SBINDIR@|$SBINDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" \
		user/systemd/p2ppolicy.service.in >build/user/p2ppolicy.service
	files | while read -r src dst mode; do
		[ -f "$src" ] || die "$src is missing: run 'make all' first"
		install -D -m "$mode" "$src" "$D$dst"
		say "$dst"
	done
	if [ -e "$D$SYSCONFDIR/p2ppolicy.conf" ]; then
		say "$SYSCONFDIR/p2ppolicy.conf exists: kept (the example is in $DOCDIR)"
	else
		install -D -m 0644 user/etc/p2ppolicy.conf "$D$SYSCONFDIR/p2ppolicy.conf"
		say "$SYSCONFDIR/p2ppolicy.conf"
	fi
	dkms_files | while read -r f; do install -D -m 0644 "$f" "$D$DKMS_SRC/$f"; done
	sed "s|@VERSION@|$VERSION|g" dkms.conf.in >"$D$DKMS_SRC/dkms.conf"
	say "$DKMS_SRC (module sources for DKMS)"
	if [ -n "$D" ]; then
		say "DESTDIR set: not running dkms"
	elif command -v dkms >/dev/null; then
		dkms status -m p2pmap -v "$VERSION" | grep -q . || dkms add -m p2pmap -v "$VERSION"
		dkms install -m p2pmap -v "$VERSION" ||
			die "dkms install failed (the running kernel needs CONFIG_PCI_P2PDMA and module BTF; see README 'Kernels')"
	else
		say "dkms is not installed: build the module with 'make modules KDIR=/lib/modules/\$(uname -r)/build', or install dkms and rerun"
	fi
	command -v systemctl >/dev/null && [ -z "$D" ] && systemctl daemon-reload 2>/dev/null || true
}

uninstall_all() {
	if [ -z "$D" ] && command -v dkms >/dev/null && dkms status -m p2pmap -v "$VERSION" | grep -q .; then
		dkms remove -m p2pmap -v "$VERSION" --all
	fi
	rm -rf "$D$DKMS_SRC"
	files | while read -r src dst mode; do
		rm -f "$D$dst"
		say "removed $dst"
	done
	rmdir "$D$POLICYDIR" "$D$DOCDIR" "$D$BPFTRACEDIR" "$D$GRAFANADIR" "$D${BPFTRACEDIR%/*}" \
		2>/dev/null || true
	if cmp -s user/etc/p2ppolicy.conf "$D$SYSCONFDIR/p2ppolicy.conf"; then
		rm -f "$D$SYSCONFDIR/p2ppolicy.conf"
		say "removed $SYSCONFDIR/p2ppolicy.conf (unchanged example)"
	elif [ -e "$D$SYSCONFDIR/p2ppolicy.conf" ]; then
		say "kept $SYSCONFDIR/p2ppolicy.conf (changed by you)"
	fi
}

case "${1:-}" in
install) install_all ;;
uninstall) uninstall_all ;;
*) die "usage: install.sh install|uninstall" ;;
esac
