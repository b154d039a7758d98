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
# driver: the name of the driver bound to the device.
driver() { basename "$(readlink "$D/driver")"; }
# bind: probe the device; p2pmap_forget binds it.
bind() { echo "$dev" >/sys/bus/pci/drivers_probe && [ "$(driver)" = p2pmap_forget ]; }
# dropped: how many registrations p2pmap dropped for the device, with a warning.
dropped() { dmesg | grep -c "$dev: p2pmap: the driver unbound without p2pmap_client_unregister()"; }

ok "a root-complex edu is bound to p2pmap_edu ($dev)" [ -n "$dev" ]
ok "the root-complex edu ($dev) leaves p2pmap_edu" put "$dev" $E/unbind
ok "... for p2pmap_forget alone (driver_override)" put p2pmap_forget "$D/driver_override"
ok "p2pmap_forget loads and binds it" insmod tests/kmod/p2pmap_forget.ko
ok "p2pmap_forget registered it in probe" stdout_is p2pmap_forget driver
w0=$(dropped)
ok "p2pmap_forget unbinds without unregistering" put "$dev" $F/unbind
ok "p2pmap dropped the registration it left, with a warning" stdout_is $((w0 + 1)) dropped
ok "bound again, the driver registers the device again (no EEXIST)" bind
ok "p2pmap_forget unbinds" put "$dev" $F/unbind
ok "p2pmap_forget unloads" rmmod p2pmap_forget
ok "p2pmap_forget loads again, registering with devm_p2pmap_client_register()" insmod tests/kmod/p2pmap_forget.ko devm=1
w1=$(dropped)
ok "with devres, unbind" put "$dev" $F/unbind
ok "... bind (registers again)" bind
ok "... and unbind again" put "$dev" $F/unbind
ok "devres unregistered it: no registration was left to drop" stdout_is "$w1" dropped
ok "p2pmap_forget unloads again" rmmod p2pmap_forget
ok "the edu's driver_override is cleared" put "" "$D/driver_override"
ok "the edu goes back to p2pmap_edu" put "$dev" $E/bind
done_tap
