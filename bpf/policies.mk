# SPDX-License-Identifier: GPL-2.0-only
# The shipped policies: the one list. Each is bpf/<name>.bpf.c, described for people in
# user/p2ppolicy/shipped.c (a name without a description there does not compile). Included by
# the top Makefile (which passes it to scripts/install.sh), bpf/Makefile and
# user/p2ppolicy/Makefile (which generates the table p2ppolicy embeds from it);
# tests/host/t_names.sh checks that the man page and the example configuration name exactly
# these.
P2PMAP_POLICIES := topology bounce_all size_threshold rules numa_local
