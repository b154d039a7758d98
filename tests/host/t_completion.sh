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

ok "bash -n user/completion/p2ppolicy.bash && bash -c '. user/completion/p2ppolicy.bash && complete -p p2ppolicy' | grep -q '_p2ppolicy p2ppolicy'" \
   "the completion parses and registers _p2ppolicy for p2ppolicy"
c=$($C '')
want=$($P --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' | sort | tr '\n' ' ')
ok "[ '$c' = '$want' ] && [ \$(echo $c | wc -w) -ge 13 ]" "every command, as --help lists them ($(echo $c | wc -w): $c)"
ok "[ \"\$($C sh)\" = 'shadow ' ]" "'sh' completes to shadow"
ok "[ \"\$($C rules '')\" = 'add del list ' ]" "rules: its subcommands"
ok "[ \"\$($C shadow '')\" = 'load promote report status unload ' ]" "shadow: its subcommands"
ok "[ \"\$($C override '')\" = 'add del list ' ]" "override: its subcommands"
ok "$C explain -- | grep -q -- '--dir' && $C explain -- | grep -q -- '--shadow' && $C explain -- | grep -q -- '--size'" \
   "explain: its options"
ok "[ \"\$($C explain --dir '')\" = 'bidi from to ' ]" "explain --dir: to, from, bidi"
o=$($C shadow report --)
ok "for x in --all --help --json --reset --set; do echo ' $o' | grep -q -- \" \$x \" || exit 1; done" "shadow report: the shadow command's options ($o)"
pol=$($P load --list | awk '{ print $1 }' | sort | tr '\n' ' ')
ok "[ \"\$($C load '')\" = '$pol' ]" "load: the shipped policies ($pol)"
ok "$C load bpf/top | grep -q 'bpf/topology.bpf.o'" "load: a policy object file"
ok "[ \"\$($C rules add any any '')\" = 'bounce builtin p2p reject ' ]" "rules add PROVIDER CLIENT: the verdicts"
ok "[ \"\$($C rules add '')\" = 'any ' ] || $C rules add '' | grep -q '^any '" \
   "rules add: 'any' (and the providers)"
ok "$C -v '' | grep -q -- ' status '" "a global option before the command still completes commands"
done_tap
