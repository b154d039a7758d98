#!/usr/bin/env bash
# A fresh machine, simulated: the Makefiles must not compute anything at parse time from state
# that a recipe creates (`make deps` installs the kernel source, `make kernel` builds the tree).
#
# A copy of the tree gets a fake scripts/deps.sh, which only marks the machine "installed", and
# a fake scripts/build-kernel.sh, which fails like the real one until then and afterwards
# prints a kernel tree whose Makefile records the Kbuild call and stops. Every entry point a
# user types on a fresh machine must then run deps first and reach Kbuild with a real KDIR.
# make runs with SHELL set to a logger, so every command it runs is recorded, including the
# ones $(shell ...) runs while it parses: the top-level Makefile, which every sub-make parses
# again, may run none (make help runs nothing but echo).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
src=$t/src state=$t/state log=$t/log
mkdir -p "$src" "$state"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z | tar --null -T - -cf - | tar -C "$src" -xf -
else
	tar --exclude=./build -cf - . | tar -C "$src" -xf -
fi

cat >"$t/sh" <<EOF
#!/bin/bash
# make's SHELL: record the command, then run it.
[ "\$1" = -c ] && printf 'cmd: %s\n' "\$(printf '%s' "\$2" | head -n 1)" >>"$log"
exec /bin/bash "\$@"
EOF
cat >"$src/scripts/deps.sh" <<EOF
#!/bin/bash
echo deps >>"$log"
touch "$state/installed"
EOF
cat >"$src/scripts/build-kernel.sh" <<EOF
#!/bin/bash
echo "build-kernel \$* BENCH=\${BENCH:-0} KASAN=\${KASAN:-0}" >>"$log"
[ -f "$state/installed" ] || { echo "build-kernel: error: no kernel source: run 'make deps'" >&2; exit 1; }
tree="$state/kernel-bench\${BENCH:-0}"
[ "\${1:-}" = --dir ] && { echo "\$tree"; exit 0; }
mkdir -p "\$tree"
printf 'CONFIG_%s=y\n' PCI_P2PDMA DEBUG_INFO_BTF_MODULES BPF_JIT BPF_SYSCALL >"\$tree/.config"
printf '%%:\n\t@echo "kbuild KDIR=\$(CURDIR) M=\$(M)" >>"$log"; exit 3\n' >"\$tree/Makefile"
echo "\$tree"
EOF
chmod +x "$t/sh" "$src/scripts/deps.sh" "$src/scripts/build-kernel.sh"

# fresh_make ARGS...: make in the copy, as on a new machine (no KDIR, no state, no cache).
fresh_make() {
	rm -rf "$state"/* "$src/build"
	: >"$log"
	env -u KDIR -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u KASAN -u BENCH P2PMAP_CACHE="$t/cache" \
		make -C "$src" SHELL="$t/sh" "$@" >"$t/out" 2>&1 </dev/null
}

fresh_make help
ok "make help prints the help" grep -q 'make check' "$t/out"
ok "make help runs nothing but echo (no command at parse time)" not stdout_has . grep -v '^cmd: echo ' "$log"
grep -v '^cmd: echo ' "$log" | sed 's/^/# ran: /' | head -5

for target in demo check bench stress shell install; do
	fresh_make "$target"
	want=$state/kernel-bench0
	[ "$target" = bench ] && want=$state/kernel-bench1
	first=$(grep -m1 '^cmd: ' "$log")
	ok "make $target: the first command make runs is deps" stdout_has -F scripts/deps.sh echo "$first"
	ok "make $target on a fresh machine reaches Kbuild with KDIR set to the kernel it built" \
	   grep -qx "kbuild KDIR=$want M=$src/kernel" "$log"
	ok "make $target: no lookup ran before deps" not grep -q 'KDIR= does not exist\|error: no kernel source' "$t/out"
	if ! grep -qx "kbuild KDIR=$want M=$src/kernel" "$log"; then
		sed 's/^/# log: /' "$log" | head -20
		sed 's/^/# out: /' "$t/out" | tail -5
	fi
done

# With KDIR given, the lab kernel is neither looked up nor built.
fresh_make deps
mkdir -p "$state/own"
"$src/scripts/build-kernel.sh" >/dev/null
cp -r "$state/kernel-bench0/." "$state/own/"
: >"$log"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" SHELL="$t/sh" KDIR="$state/own" modules >"$t/out" 2>&1
ok "make modules KDIR=<tree> builds against that tree" grep -qx "kbuild KDIR=$state/own M=$src/kernel" "$log"
ok "... and never runs build-kernel.sh" not grep -q build-kernel "$log"
done_tap
