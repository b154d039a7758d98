#!/usr/bin/env bash
# Install what p2pmap needs on a Debian bookworm machine: idempotent, loud, never silent.
#
# - enables bookworm-backports by adding ONE sources entry that reuses the URIs of the
#   machine's existing Debian source (no mirror host is written here);
# - installs the toolchain, the lab's QEMU, and from backports the lab kernel's source
#   (tests/vm/kernels: the other kernels' sources are fetched by build-kernel.sh), bpftool,
#   libbpf-dev (module struct_ops needs libbpf >= 1.4) and linux-libc-dev (6.4+ BPF UAPI: link info).
set -euo pipefail

say() { printf '  DEPS    %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || SUDO=sudo
SUDO=${SUDO:-}

. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] ||
	die "this script supports Debian bookworm (found '${VERSION_CODENAME:-unknown}'); install the packages this script lists by hand"

. "$(dirname "$0")/apt-lib.sh"
BP_FILE=$P2PMAP_BP_FILE

have_backports() {
	grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

if ! have_backports; then
	uris=$(debian_uris | tr '\n' ' ')
	[ -n "$uris" ] || die "no Debian 'bookworm' source found in /etc/apt; cannot derive a bookworm-backports entry"
	say "enabling bookworm-backports from: $uris"
	$SUDO tee "$BP_FILE" >/dev/null <<SRC
# Added by p2pmap scripts/deps.sh: same URIs as this machine's Debian source.
Types: deb
URIs: ${uris% }
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	NEED_UPDATE=1
fi

# Plain bookworm packages (debhelper, dh-dkms, dkms, lintian: make deb and its tests; the
# lab's package suite installs the .debs into the guest, whose root is this machine's;
# tmux and curl: the tests of p2ppolicy top and metrics). promtool and node_exporter, which
# only the tests need: scripts/test-tools.sh, from tests/run-tests.sh.
PKGS=(build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod xz-utils
      rsync python3 clang llvm qemu-system-x86 pciutils bpftrace jq
      libcmocka-dev libinih-dev libjson-c-dev libudev-dev libsystemd-dev pkg-config man-db
      debhelper dh-dkms dkms lintian fakeroot libncurses-dev tmux curl)
# From bookworm-backports.
# The system-installed lab kernel sources come from tests/vm/kernels.
BP_PKGS=(bpftool libbpf-dev linux-libc-dev)
for k in $(kernel_names system); do BP_PKGS+=("$(kernel_row "$k" | awk '{ print $2 }')"); done

missing=()
for p in "${PKGS[@]}" "${BP_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# libbpf must be >= 1.4 for module struct_ops.
if dpkg --compare-versions "$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo 0)" lt 1:1.4 &&
   dpkg --compare-versions "$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo 0)" lt 1.4; then
	case " ${missing[*]-} " in *" libbpf-dev "*) ;; *) missing+=(libbpf-dev) ;; esac
fi

if [ ${#missing[@]} -eq 0 ]; then
	say "all packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
say "apt-get update"
$SUDO apt-get update -qq || die "apt-get update failed"
bp=() ; plain=()
for p in "${missing[@]}"; do
	case " ${BP_PKGS[*]} " in *" $p "*) bp+=("$p") ;; *) plain+=("$p") ;; esac
done
if [ ${#plain[@]} -gt 0 ]; then
	say "installing: ${plain[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${plain[@]}" >/dev/null ||
		die "apt-get install ${plain[*]} failed"
fi
if [ ${#bp[@]} -gt 0 ]; then
	say "installing from bookworm-backports: ${bp[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bp[@]}" >/dev/null ||
		die "apt-get install -t bookworm-backports ${bp[*]} failed"
fi
say "done"
