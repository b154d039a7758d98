// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2pmap_forget: a PCI driver, bound by driver_override to one of the lab's edus, that
 * registers the device as a p2pmap client in probe and never unregisters it (devm=0), or
 * registers it with devm_p2pmap_client_register() (devm=1). p2pmap must drop a registration
 * its driver left behind when the driver unbinds, so that the next driver can register.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "../../include/p2pmap.h"

static bool devm;
module_param(devm, bool, 0644);
MODULE_PARM_DESC(devm, "Register with devm_p2pmap_client_register() (default: register and forget)");

static int forget_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	if (READ_ONCE(devm))
		return devm_p2pmap_client_register(&pdev->dev, NULL, NULL);
	return p2pmap_client_register(&pdev->dev, NULL, NULL);
}

static void forget_remove(struct pci_dev *pdev)
{
}

static struct pci_driver forget_driver = {
	.name = "p2pmap_forget",
	.probe = forget_probe,
	.remove = forget_remove,
};
module_pci_driver(forget_driver);

MODULE_DESCRIPTION("A p2pmap client driver that forgets to unregister, for the lab's tests");
MODULE_LICENSE("GPL");
