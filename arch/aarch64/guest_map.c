/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/guest_map.h"

#define KIB(n) ((uint64_t)(n) << 10)
#define MIB(n) ((uint64_t)(n) << 20)
#define GIB(n) ((uint64_t)(n) << 30)

void arm64_guest_map_default(struct arm64_guest_map *map)
{
	*map = (struct arm64_guest_map){
	    .gic_dist_base = 0x08000000,
	    .gic_dist_size = KIB(64),
	    .gic_cpu_base = 0x08010000,
	    .gic_cpu_size = KIB(64),
	    /* Room for 123 redistributor frames, as on QEMU's virt board. */
	    .gic_redist_base = 0x080a0000,
	    .gic_redist_size = MIB(15) + KIB(384),
	    .uart_base = 0x09000000,
	    .uart_size = KIB(4),
	    .uart_irq = 1,
	    /* Where QEMU's virt board has its PL061. */
	    .gpio_base = 0x09030000,
	    .gpio_irq = 7,
	    .virtio_mmio_base = 0x0a000000,
	    .virtio_mmio_stride = 0x200,
	    .virtio_first_irq = 16,
	    .ram_base = GIB(1),
	    /* Keep below 256 GiB so a 40-bit IPA space (KVM's default) always fits. */
	    .ram_max = GIB(255),
	};
}

void arm64_virtio_slot(const struct arm64_guest_map *map, unsigned slot, uint64_t *base,
		       unsigned *irq)
{
	*base = map->virtio_mmio_base + (uint64_t)slot * map->virtio_mmio_stride;
	*irq = map->virtio_first_irq + slot;
}
