#!/usr/bin/env bash
# The bash completion (user/completion/p2ppolicy.bash), sourced as bash-completion sources it
# and asked as bash asks it: commands, subcommands and options come from p2ppolicy's own
# --help, shipped policies from 'load --list', values of --dir, and files. PCI addresses need
# the lab's providers: tests/guest/t_p2ppolicy.sh asks for them there.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
P=$top/build/user/p2ppolicy

C="bash tests/lib/complete.sh $P"

ok "the completion parses" bash -n user/completion/p2ppolicy.bash
ok "the completion registers _p2ppolicy for p2ppolicy" \
   stdout_has '_p2ppolicy p2ppolicy' bash -c '. user/completion/p2ppolicy.bash && complete -p p2ppolicy'
c=$($C '')
want=$($P --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' | sort | tr '\n' ' ')
ok "every command, as --help lists them ($(echo $c | wc -w): $c)" [ "$c" = "$want" ]
ok "... at least 13 of them" [ "$(echo $c | wc -w)" -ge 13 ]
ok "'sh' completes to shadow" stdout_is 'shadow ' $C sh
ok "rules: its subcommands" stdout_is 'add del list ' $C rules ''
ok "shadow: its subcommands" stdout_is 'load promote report status unload ' $C shadow ''
ok "override: its subcommands" stdout_is 'add del list ' $C override ''
for x in --dir --shadow --size; do
	ok "explain: its option $x" stdout_has -- "$x" $C explain --
done
ok "explain --dir: to, from, bidi" stdout_is 'bidi from to ' $C explain --dir ''
o=$($C shadow report --)
for x in --all --help --json --reset --set; do
	ok "shadow report: the shadow command's option $x ($o)" stdout_has -- " $x " echo " $o"
done
pol=$($P load --list | awk '{ print $1 }' | sort | tr '\n' ' ')
ok "load: the shipped policies ($pol)" stdout_is "$pol" $C load ''
ok "load: a policy object file" stdout_has 'bpf/topology.bpf.o' $C load bpf/top
ok "rules add PROVIDER CLIENT: the verdicts" stdout_is 'bounce builtin p2p reject ' $C rules add any any ''
# A line that starts with 'any ': 'any ' alone, or 'any ' and the providers' addresses.
ok "rules add: 'any' (and the providers)" stdout_has '^any ' $C rules add ''
ok "a global option before the command still completes commands" stdout_has -- ' status ' $C -v ''
done_tap
