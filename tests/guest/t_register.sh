#!/bin/sh
# Client registrations tied to the driver binding. p2pmap_forget.ko, bound to the
# root-complex edu by driver_override, registers the device in probe and never unregisters
# (devm=0), or registers it with devm_p2pmap_client_register() (devm=1). Either way the next
# bind registers again: p2pmap drops a registration its driver left behind (with a warning),
# and devres undoes the other (quietly).
. tests/lib/tap.sh
E=/sys/bus/pci/drivers/p2pmap_edu
F=/sys/bus/pci/drivers/p2pmap_forget
dev=$(cd $E && ls -d 0000:00:* | head -n 1)
D=/sys/bus/pci/devices/$dev
bind="echo $dev >/sys/bus/pci/drivers_probe && [ \"\$(basename \"\$(readlink $D/driver)\")\" = p2pmap_forget ]"
dropped() { dmesg | grep -c "$dev: p2pmap: the driver unbound without p2pmap_client_unregister()"; }

ok "[ -n '$dev' ] && echo $dev >$E/unbind && echo p2pmap_forget >$D/driver_override && insmod tests/kmod/p2pmap_forget.ko" \
   "the root-complex edu ($dev) leaves p2pmap_edu; p2pmap_forget loads and binds it"
ok "[ \"\$(basename \"\$(readlink $D/driver)\")\" = p2pmap_forget ]" "p2pmap_forget registered it in probe"
w0=$(dropped)
ok "echo $dev >$F/unbind" "p2pmap_forget unbinds without unregistering"
ok "[ $(( w0 + 1 )) = \$(dmesg | grep -c '$dev: p2pmap: the driver unbound without p2pmap_client_unregister()') ]" \
   "p2pmap dropped the registration it left, with a warning"
ok "$bind" "bound again, the driver registers the device again (no EEXIST)"
ok "echo $dev >$F/unbind && rmmod p2pmap_forget && insmod tests/kmod/p2pmap_forget.ko devm=1" \
   "p2pmap_forget loads again, registering with devm_p2pmap_client_register()"
w1=$(dropped)
ok "echo $dev >$F/unbind && $bind && echo $dev >$F/unbind" \
   "with devres, unbind, bind (registers again) and unbind again"
ok "[ $w1 = \$(dmesg | grep -c '$dev: p2pmap: the driver unbound without p2pmap_client_unregister()') ]" \
   "devres unregistered it: no registration was left to drop"
ok "rmmod p2pmap_forget && echo >$D/driver_override && echo $dev >$E/bind" "the edu goes back to p2pmap_edu"
done_tap
