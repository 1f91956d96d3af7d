/* SPDX-License-Identifier: Apache-2.0 */
#include "machine/machine.h"

#include "core/errors.h"
#include "core/string.h"

/* "kind" followed by the decimal `index`, into a name slot of the machine. */
static const char *machine_name(struct machine *m, const char *kind, unsigned index)
{
	char *name = m->names[m->mmio_count];
	size_t len = strlen(kind);
	char digits[12];
	unsigned count = 0;

	do {
		digits[count++] = (char)('0' + index % 10);
		index /= 10;
	} while (index > 0);
	if (len > MACHINE_NAME_LEN - 1 - count)
		len = MACHINE_NAME_LEN - 1 - count;
	memcpy(name, kind, len);
	while (count > 0)
		name[len++] = digits[--count];
	name[len] = '\0';
	return name;
}

/* Puts `dev` on the next virtio-mmio window and interrupt line. */
static int machine_place(struct machine *m, struct virtio_device *dev)
{
	unsigned slot = m->mmio_count;
	uint64_t base;
	unsigned irq;
	int err;

	if (slot == MACHINE_MAX_VIRTIO)
		return -SVMM_ENOSPC;
	arm64_virtio_slot(&m->map, slot, &base, &irq);
	err = virtio_mmio_init(&m->mmio[slot], dev, base, irq);
	if (err == 0)
		m->mmio_count++;
	return err;
}

static int machine_add_disk(struct machine *m, const struct machine_host *host, unsigned index)
{
	struct blk_backend backend = {0};
	int err;

	m->failed = machine_name(m, "virtio-blk", index);
	if (host->ops->disk == NULL)
		return -SVMM_ENOTSUP;
	err = host->ops->disk(host->ctx, index, &backend);
	if (err == 0)
		err = virtio_blk_init(&m->disks[index], m->vm, m->failed, &backend);
	return err < 0 ? err : machine_place(m, &m->disks[index].virtio);
}

static int machine_add_net(struct machine *m, const struct machine_host *host, unsigned index)
{
	struct virtio_net *net = &m->nets[index];
	struct virtio_net_backend backend = {0};
	uint8_t mac[6] = {0};
	int err;

	m->failed = machine_name(m, "virtio-net", index);
	if (host->ops->net == NULL)
		return -SVMM_ENOTSUP;
	err = host->ops->net(host->ctx, index, net, mac, &backend);
	if (err == 0)
		err = virtio_net_init(net, m->vm, m->failed, mac, &backend);
	return err < 0 ? err : machine_place(m, &net->dev);
}

static int machine_add_console(struct machine *m, const struct machine_host *host)
{
	int err;

	m->failed = machine_name(m, "virtio-console", 0);
	err = virtio_console_init(&m->console, m->vm, m->failed, &host->console);
	return err < 0 ? err : machine_place(m, &m->console.virtio);
}

static int machine_add_rng(struct machine *m, const struct machine_host *host)
{
	struct rng_source source = {0};
	int err;

	m->failed = machine_name(m, "virtio-rng", 0);
	if (host->ops->rng == NULL)
		return -SVMM_ENOTSUP;
	err = host->ops->rng(host->ctx, &source);
	if (err == 0)
		err = virtio_rng_init(&m->rng, m->vm, m->failed, &source);
	return err < 0 ? err : machine_place(m, &m->rng.virtio);
}

static int machine_add_vsock(struct machine *m, const struct machine_host *host)
{
	int err;

	m->failed = machine_name(m, "virtio-vsock", 0);
	if (host->ops->vsock == NULL)
		return -SVMM_ENOTSUP;
	err = virtio_vsock_init(&m->vsock, m->vm, m->failed, m->desc.vsock_cid);
	if (err == 0)
		err = host->ops->vsock(host->ctx, &m->vsock);
	return err < 0 ? err : machine_place(m, &m->vsock.virtio);
}

int machine_assemble(struct machine *m, struct vm *vm, const struct machine_desc *desc,
		     const struct machine_host *host, void *ram)
{
	int err = 0;

	m->vm = vm;
	m->desc = *desc;
	m->mmio_count = 0;
	arm64_guest_map_default(&m->map);
	if (desc->disk_count > MACHINE_MAX_DISKS || desc->net_count > MACHINE_MAX_NETS) {
		m->failed = desc->disk_count > MACHINE_MAX_DISKS ? "disk" : "net";
		return -SVMM_ENOSPC;
	}
	m->failed = "ram";
	if (ram != NULL)
		err = guest_mem_add(&vm->mem, m->map.ram_base, desc->memory, ram);
	/* The PL011 is always there (early boot output); it is the console unless virtio is. */
	if (err == 0) {
		m->failed = "pl011";
		err = pl011_init(&m->uart, vm, m->map.uart_base, m->map.uart_irq, &host->uart,
				 !desc->virtio_console);
	}
	if (err == 0) {
		m->failed = "pl061";
		err = pl061_init(&m->gpio, vm, m->map.gpio_base, m->map.gpio_irq);
	}
	for (unsigned i = 0; i < desc->disk_count && err == 0; i++)
		err = machine_add_disk(m, host, i);
	for (unsigned i = 0; i < desc->net_count && err == 0; i++)
		err = machine_add_net(m, host, i);
	if (err == 0 && desc->virtio_console)
		err = machine_add_console(m, host);
	if (err == 0 && desc->rng)
		err = machine_add_rng(m, host);
	if (err == 0 && desc->vsock)
		err = machine_add_vsock(m, host);
	if (err == 0)
		m->failed = NULL;
	return err;
}

void machine_reset(struct machine *m)
{
	pl011_reset(&m->uart);
	pl061_reset(&m->gpio);
	for (unsigned i = 0; i < m->mmio_count; i++)
		virtio_mmio_reset(&m->mmio[i]);
}

void machine_power_key(struct machine *m, bool pressed)
{
	pl061_set_input(&m->gpio, VM_POWER_KEY_GPIO_LINE, pressed);
}

size_t machine_console_receive(struct machine *m, const uint8_t *data, size_t len)
{
	if (m->desc.virtio_console)
		return virtio_console_receive(&m->console, data, len);
	return pl011_receive(&m->uart, data, len);
}

void machine_console_flush(struct machine *m)
{
	pl011_flush(&m->uart);
	if (m->desc.virtio_console)
		virtio_console_flush(&m->console);
}

void machine_fdt_params(const struct machine *m, const struct arm64_boot_plan *plan,
			const char *cmdline, enum arm64_gic_version gic_version,
			const char *psci_method, struct arm64_fdt_params *params)
{
	*params = (struct arm64_fdt_params){
	    .cpus = m->desc.cpus,
	    .ram_base = m->map.ram_base,
	    .ram_size = m->desc.memory,
	    .gic_version = gic_version,
	    .map = &m->map,
	    .cmdline = cmdline,
	    .initrd_start = plan->initrd_gpa,
	    .initrd_end = plan->initrd_gpa + plan->initrd_size,
	    .psci_method = psci_method,
	    .devices = m->vm->devices,
	    .device_count = m->vm->device_count,
	};
}
