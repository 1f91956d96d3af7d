/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/machine_desc.h"

void machine_desc_from_config(const struct vm_config *cfg, struct machine_desc *desc)
{
	_Static_assert(VM_CONFIG_MAX_DISKS <= MACHINE_MAX_DISKS, "a described disk has no slot");
	_Static_assert(VM_CONFIG_MAX_NETS <= MACHINE_MAX_NETS, "a described NIC has no slot");
	*desc = (struct machine_desc){
	    .cpus = cfg->cpus,
	    .memory = cfg->memory,
	    .virtio_console = cfg->console_device == CONSOLE_DEVICE_VIRTIO,
	    .disk_count = cfg->disk_count,
	    .net_count = cfg->net_count,
	    .rng = cfg->rng,
	    .vsock = cfg->vsock.socket != NULL,
	    .vsock_cid = cfg->vsock.cid,
	};
}
