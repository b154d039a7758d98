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
ok "make install DESTDIR=... succeeds (exit $rc)" [ $rc = 0 ]
ok "... and leaves dkms alone" grep -q 'DESTDIR set: not running dkms' "$d.log"
for f in /usr/sbin/p2ppolicy /usr/lib/p2pmap/rules.bpf.o /usr/lib/p2pmap/size_threshold.bpf.o \
	 /lib/systemd/system/p2ppolicy.service /etc/p2ppolicy.conf \
	 /usr/share/doc/p2pmap/p2ppolicy.conf.example /usr/share/man/man8/p2ppolicy.8 \
	 /usr/share/bash-completion/completions/p2ppolicy \
	 /usr/src/p2pmap-$v/dkms.conf /usr/share/p2pmap/bpftrace/decisions.bt \
	 /usr/share/p2pmap/grafana/p2pmap.json; do
	ok "installs $f" [ -f "$d$f" ]
done
ok "the installed p2ppolicy is executable" [ -x "$d/usr/sbin/p2ppolicy" ]
ok "... runs and says version $v" stdout_has "$v" "$d/usr/sbin/p2ppolicy" --version
ok "the unit starts the daemon" \
   grep -q '^ExecStart=/usr/sbin/p2ppolicy daemon --config /etc/p2ppolicy.conf$' "$d/lib/systemd/system/p2ppolicy.service"
ok "... with Type=notify" grep -q '^Type=notify$' "$d/lib/systemd/system/p2ppolicy.service"
ok "the installed dkms.conf's version is VERSION's ($v)" grep -q "^PACKAGE_VERSION=\"$v\"\$" "$d/usr/src/p2pmap-$v/dkms.conf"
ok "the man page renders" stdout_has 'check-config' man -l "$d/usr/share/man/man8/p2ppolicy.8"
# The DKMS tree alone builds the module (what dkms does on a kernel update).
cp -r $d/usr/src/p2pmap-$v $d/dkms-build
make -C $d/dkms-build/kernel KDIR=$KDIR modules >$d.dkms.log 2>&1
ok "the DKMS source tree builds p2pmap.ko by itself" [ -f "$d/dkms-build/kernel/p2pmap.ko" ]
ok "the DKMS tree is VERSION, kernel/ and include/ (and dkms.conf)" \
   [ "$(ls "$d/usr/src/p2pmap-$v" | tr '\n' ' ')" = 'VERSION dkms.conf include kernel ' ]
ok "DKMS never ships or builds the p2pmap_edu sample" \
   [ -z "$(find "$d/usr/src/p2pmap-$v" "$d/dkms-build" -name 'p2pmap_edu*')" ]
ok "... nor installs it" not grep -q '^BUILT_MODULE_NAME.*p2pmap_edu' "$d/usr/src/p2pmap-$v/dkms.conf"
rm -rf $d/dkms-build
echo "# changed by the operator" >>$d/etc/p2ppolicy.conf
make -s install DESTDIR=$d >/dev/null 2>&1
rc=$?
ok "a second install succeeds (exit $rc)" [ $rc = 0 ]
ok "... and keeps the operator's configuration" grep -q 'changed by the operator' "$d/etc/p2ppolicy.conf"
make -s uninstall DESTDIR=$d >/dev/null 2>&1
rc=$?
ok "uninstall succeeds (exit $rc)" [ $rc = 0 ]
ok "... and removes everything but the changed configuration" [ "$(find "$d" -type f)" = "$d/etc/p2ppolicy.conf" ]
rm -rf "$d" "$d.log" "$d.dkms.log"
done_tap
