#!/usr/bin/env bash
# make install / uninstall into a DESTDIR: every file in place, the DKMS tree builds the
# module on its own, uninstall leaves nothing, an operator's configuration is kept.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
KDIR=${KDIR:-$(scripts/build-kernel.sh --dir)}
d=$(mktemp -d)
v=$(cat VERSION)

make -s install DESTDIR=$d >$d.log 2>&1
rc=$?
[ $rc = 0 ] || tail -5 $d.log | sed 's/^/# /'
ok "[ $rc = 0 ] && grep -q 'DESTDIR set: not running dkms' $d.log" "make install DESTDIR=... succeeds (exit $rc) and leaves dkms alone"
for f in /usr/sbin/p2ppolicy /usr/lib/p2pmap/rules.bpf.o /usr/lib/p2pmap/size_threshold.bpf.o \
	 /lib/systemd/system/p2ppolicy.service /etc/p2ppolicy.conf \
	 /usr/share/doc/p2pmap/p2ppolicy.conf.example /usr/share/man/man8/p2ppolicy.8 \
	 /usr/share/bash-completion/completions/p2ppolicy \
	 /usr/src/p2pmap-$v/dkms.conf /usr/share/p2pmap/bpftrace/decisions.bt; do
	ok "[ -f $d$f ]" "installs $f"
done
ok "[ -x $d/usr/sbin/p2ppolicy ] && $d/usr/sbin/p2ppolicy --version | grep -q '$v'" "the installed p2ppolicy runs and says version $v"
ok "grep -q '^ExecStart=/usr/sbin/p2ppolicy daemon --config /etc/p2ppolicy.conf$' $d/lib/systemd/system/p2ppolicy.service && grep -q '^Type=notify$' $d/lib/systemd/system/p2ppolicy.service" \
   "the unit starts the daemon with Type=notify"
ok "grep -q '^PACKAGE_VERSION=\"$v\"$' $d/usr/src/p2pmap-$v/dkms.conf" "the installed dkms.conf's version is VERSION's ($v)"
ok "man -l $d/usr/share/man/man8/p2ppolicy.8 2>/dev/null | grep -q 'check-config'" "the man page renders"
# The DKMS tree alone builds the module (what dkms does on a kernel update).
cp -r $d/usr/src/p2pmap-$v $d/dkms-build
make -C $d/dkms-build/kernel KDIR=$KDIR modules >$d.dkms.log 2>&1
ok "[ -f $d/dkms-build/kernel/p2pmap.ko ]" "the DKMS source tree builds p2pmap.ko by itself"
ok "[ \"\$(ls $d/usr/src/p2pmap-$v | tr '\\n' ' ')\" = 'VERSION dkms.conf include kernel ' ]" \
   "the DKMS tree is VERSION, kernel/ and include/ (and dkms.conf)"
ok "[ -z \"\$(find $d/usr/src/p2pmap-$v $d/dkms-build -name 'p2pmap_edu*')\" ] && ! grep -q '^BUILT_MODULE_NAME.*p2pmap_edu' $d/usr/src/p2pmap-$v/dkms.conf" \
   "DKMS never ships, builds or installs the p2pmap_edu sample"
rm -rf $d/dkms-build
echo "# changed by the operator" >>$d/etc/p2ppolicy.conf
make -s install DESTDIR=$d >/dev/null 2>&1
rc=$?
ok "[ $rc = 0 ] && grep -q 'changed by the operator' $d/etc/p2ppolicy.conf" "a second install succeeds (exit $rc) and keeps the operator's configuration"
make -s uninstall DESTDIR=$d >/dev/null 2>&1
rc=$?
ok "[ $rc = 0 ] && [ \"\$(find $d -type f)\" = $d/etc/p2ppolicy.conf ]" "uninstall succeeds (exit $rc) and removes everything but the changed configuration"
rm -rf "$d" "$d.log" "$d.dkms.log"
done_tap
