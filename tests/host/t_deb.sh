#!/usr/bin/env bash
# The Debian packages: dpkg-buildpackage -b builds them from a clean clone of HEAD (against
# the lab kernel's BTF, KDIR), dpkg -c lists what each must hold and nothing it must not,
# the maintainer scripts do what docs/install.md says, lintian has no error or warning. The
# .debs are left in build/deb/ for the lab variant packages (tests/vm/packages.sh installs them).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
KDIR=${KDIR:-$(scripts/build-kernel.sh --dir)}
v=$(cat VERSION)
d=$(mktemp -d)
src=$d/p2pmap-$v

git clone -q "$top" "$src"
t0=$(date +%s)
(cd "$src" && KDIR=$KDIR dpkg-buildpackage -b -us -uc) >$d/build.log 2>&1
rc=$?
[ $rc = 0 ] || tail -15 $d/build.log | sed 's/^/# /'
diag "dpkg-buildpackage: $(($(date +%s) - t0)) s"
dkms=$d/p2pmap-dkms_${v}_all.deb
pol=$(ls $d/p2ppolicy_"${v}"_*.deb 2>/dev/null | head -n 1)
ok "dpkg-buildpackage -b -us -uc succeeds in a clean clone (exit $rc)" [ $rc = 0 ]
ok "... and builds p2pmap-dkms" [ -f "$dkms" ]
ok "... and p2ppolicy" [ -f "$pol" ]
ok "p2pmap-dkms is version $v (VERSION)" stdout_is "$v" dpkg-deb -f "$dkms" Version
ok "p2ppolicy is version $v" stdout_is "$v" dpkg-deb -f "$pol" Version
ok "p2pmap-dkms is Architecture: all" stdout_is all dpkg-deb -f "$dkms" Architecture

dpkg-deb -c $dkms | awk '{ print $6 }' | sed 's|^\./|/|' >$d/dkms.list
dpkg-deb -c "$pol" | awk '{ print $6 }' | sed 's|^\./|/|' >$d/pol.list
# The DKMS tree is exactly the tracked module sources, VERSION and dkms.conf.
(cd "$src" && git ls-files VERSION kernel include) | sed "s|^|/usr/src/p2pmap-$v/|" | sort >$d/want
grep "^/usr/src/p2pmap-$v/.*[^/]\$" $d/dkms.list | grep -v '/dkms.conf$' | sort >$d/have
diff $d/want $d/have | sed 's/^/# /'
ok "p2pmap-dkms holds /usr/src/p2pmap-$v: the module's sources (git ls-files) and VERSION" \
   cmp -s "$d/want" "$d/have"
ok "... and dkms.conf" grep -qx "/usr/src/p2pmap-$v/dkms.conf" "$d/dkms.list"
ok "neither package holds a built module, an object of the build or the edu sample" \
   not stdout_has -E '\.(ko|o)$|p2pmap_edu|samples|/tests/' grep -v '\.bpf\.o$' "$d/dkms.list" "$d/pol.list"
mkdir $d/x
dpkg-deb -x $dkms $d/x
ok "its dkms.conf is version $v" grep -qx "PACKAGE_VERSION=\"$v\"" "$d/x/usr/src/p2pmap-$v/dkms.conf"
ok "its dkms.conf builds for every new kernel (AUTOINSTALL)" grep -qx 'AUTOINSTALL="yes"' "$d/x/usr/src/p2pmap-$v/dkms.conf"
dpkg-deb -e $dkms $d/dkms.ctl
ok "its postinst checks the running kernel (kernel/Makefile check-kernel) before DKMS builds" \
   grep -q "make -s -C /usr/src/p2pmap-$v/kernel KDIR=\"\$kdir\" check-kernel" "$d/dkms.ctl/postinst"
ok "its prerm removes the module" grep -q 'dkms remove' "$d/dkms.ctl/prerm"
ok "p2pmap-dkms depends on dkms" stdout_has 'dkms' dpkg-deb -f "$dkms" Depends

want_pol="/usr/sbin/p2ppolicy /lib/systemd/system/p2ppolicy.service /etc/p2ppolicy.conf
	/usr/share/man/man8/p2ppolicy.8.gz /usr/lib/p2pmap/p2pmap.bpf.h /usr/lib/p2pmap/rules.h
	/usr/share/doc/p2ppolicy/examples/p2ppolicy.conf.example
	/usr/share/bash-completion/completions/p2ppolicy"
for p in $(sed -n 's/^P2PMAP_POLICIES := //p' bpf/policies.mk); do want_pol+=" /usr/lib/p2pmap/$p.bpf.o"; done
for b in user/bpftrace/*.bt; do want_pol+=" /usr/share/p2pmap/bpftrace/${b##*/}"; done
want_pol+=" /usr/share/p2pmap/grafana/p2pmap.json"
missing=$(for f in $want_pol; do grep -qx "$f" $d/pol.list || echo "$f"; done)
[ -z "$missing" ] || echo "$missing" | sed 's/^/# missing: /'
ok "p2ppolicy holds the program, unit, configuration, man page, every shipped policy (bpf/policies.mk) with its headers, the bpftrace scripts, the bash completion and the Grafana dashboard" \
   [ -z "$missing" ]
dpkg-deb -x "$pol" $d/x
ok "the packaged p2ppolicy runs and says version $v" stdout_has "$v" "$d/x/usr/sbin/p2ppolicy" --version
ok "the packaged policy objects are BPF" stdout_has 'eBPF' file "$d/x/usr/lib/p2pmap/topology.bpf.o"
ok "... with their BTF (not stripped)" stdout_has '\.BTF' readelf -S "$d/x/usr/lib/p2pmap/topology.bpf.o"
dpkg-deb -e "$pol" $d/pol.ctl
ok "/etc/p2ppolicy.conf is a conffile" grep -qx /etc/p2ppolicy.conf "$d/pol.ctl/conffiles"
ok "... the example configuration" cmp -s "$d/x/etc/p2ppolicy.conf" user/etc/p2ppolicy.conf
ok "the unit is enabled on installation" grep -q "deb-systemd-helper enable 'p2ppolicy.service'" "$d/pol.ctl/postinst"
ok "... not started (an upgrade restarts a running one)" \
   not grep -Eq 'deb-systemd-invoke (start|restart)|invoke-rc.d' "$d/pol.ctl/postinst"
ok "removal stops it" grep -q 'deb-systemd-invoke stop p2ppolicy.service' "$d/pol.ctl/prerm"
ok "p2ppolicy depends on libbpf >= 1.4 (module struct_ops)" stdout_has 'libbpf1 (>= 1:1.4)' dpkg-deb -f "$pol" Depends

# The postinst refuses, and says why, a kernel without what p2pmap needs, before DKMS builds:
# fake kernel headers, each without one required option, against the packaged kernel/Makefile.
# (A complete configuration passes the check; the postinst then goes on to DKMS.)
pi=$d/postinst.sh
sed -e "s|/usr/src/p2pmap-$v|$d/x/usr/src/p2pmap-$v|" \
    -e "s|kdir=/lib/modules/\$(uname -r)/build|kdir=\$FAKE_KDIR|" $d/dkms.ctl/postinst >$pi
all="CONFIG_PCI_P2PDMA CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_BPF_JIT CONFIG_BPF_SYSCALL"
for o in CONFIG_PCI_P2PDMA CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_BPF_JIT; do
	k=$d/kernel-without-$o
	mkdir -p $k/include/config
	for c in $all; do [ $c = $o ] || echo "$c=y"; done >$k/include/config/auto.conf
	FAKE_KDIR=$k sh $pi configure >$d/pi.log 2>&1
	rc=$?
	sed 's/^/# /' $d/pi.log
	ok "the postinst refuses a kernel without $o (exit $rc)" [ $rc = 1 ]
	ok "... naming it" grep -q "lacks: $o\$" "$d/pi.log"
	ok "... and does not build the module" grep -q 'cannot run p2pmap (see above): not building the module' "$d/pi.log"
done
k=$d/kernel-complete
mkdir -p $k/include/config
for c in $all; do echo "$c=y"; done >$k/include/config/auto.conf
ok "the same check passes a kernel with all of them" \
   make -s -C "$d/x/usr/src/p2pmap-$v/kernel" KDIR="$k" check-kernel

# One version: the build refuses a changelog that disagrees with VERSION.
echo 9.9.9 >$src/VERSION
(cd "$src" && debian/rules override_dh_auto_configure) >$d/ver.log 2>&1
rc=$?
ok "debian/rules refuses a VERSION the changelog does not have (exit $rc)" [ $rc != 0 ]
ok "... and says so" grep -q "debian/changelog says $v, VERSION says 9.9.9" "$d/ver.log"

t0=$(date +%s)
lintian --fail-on error,warning $d/p2pmap_${v}_*.changes >$d/lintian.txt 2>&1
rc=$?
sed 's/^/# /' $d/lintian.txt
diag "lintian: $(($(date +%s) - t0)) s"
ok "lintian passes (exit $rc)" [ $rc = 0 ]
ok "lintian: no errors, no warnings (overrides say why: debian/*.lintian-overrides)" not grep -q '^[EW]:' "$d/lintian.txt"

# For the lab variant packages (tests/vm/packages.sh).
if [ -f $dkms ] && [ -f "$pol" ]; then
	rm -rf build/deb
	mkdir -p build/deb
	cp $d/*.deb $d/*.changes build/deb/
fi
rm -rf "$d"
done_tap
