/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/fdt.h"

#include <stdbool.h>

#include <libfdt.h>

#include "arch/aarch64/psci.h"
#include "core/errors.h"
#include "core/string.h"

/* Phandles are ours to choose; they only need to be unique and non-zero. */
#define GIC_PHANDLE   1u
#define CLOCK_PHANDLE 2u
#define GPIO_PHANDLE  3u

/* Interrupt specifier of the GIC binding: <type number flags>. */
#define GIC_SPI		       0u
#define GIC_PPI		       1u
#define IRQ_TYPE_EDGE_RISING   1u
#define IRQ_TYPE_LEVEL_HIGH    4u
#define IRQ_TYPE_LEVEL_LOW     8u
#define GIC_PPI_CPU_MASK_SHIFT 8
/* SPIs are INTIDs 32..1019. */
#define GIC_SPI_COUNT 988

/* Architected timer PPIs (the GIC binding numbers PPIs from 0, i.e. INTID - 16). */
#define TIMER_PPI_SECURE_PHYS	 13u
#define TIMER_PPI_NONSECURE_PHYS 14u
#define TIMER_PPI_VIRT		 11u
#define TIMER_PPI_HYP_PHYS	 10u

#define GICV2_MAX_CPUS		8
#define GICV3_REDIST_FRAME_SIZE ((uint64_t)128 * 1024)

/* The PrimeCell reference clock QEMU's virt board describes; the PL011 driver needs a rate. */
#define APB_PCLK_HZ 24000000u

/* Room for "name@" and 16 hex digits; the spec allows node names of 31 characters. */
#define NODE_NAME_MAX 64

/*
 * Wraps libfdt's sequential-write calls so that the tree reads top to
 * bottom: after the first failure every call does nothing, and the error is
 * looked at once at the end.
 */
struct fdt_writer {
	void *fdt;
	int err; /* first libfdt error, 0 while all went well */
};

static void begin_node(struct fdt_writer *w, const char *name)
{
	if (w->err == 0)
		w->err = fdt_begin_node(w->fdt, name);
}

static void end_node(struct fdt_writer *w)
{
	if (w->err == 0)
		w->err = fdt_end_node(w->fdt);
}

static void prop_bytes(struct fdt_writer *w, const char *name, const void *value, size_t len)
{
	if (w->err == 0)
		w->err = fdt_property(w->fdt, name, value, (int)len);
}

static void prop_empty(struct fdt_writer *w, const char *name)
{
	prop_bytes(w, name, NULL, 0);
}

static void prop_u32(struct fdt_writer *w, const char *name, uint32_t value)
{
	if (w->err == 0)
		w->err = fdt_property_u32(w->fdt, name, value);
}

static void prop_u64(struct fdt_writer *w, const char *name, uint64_t value)
{
	if (w->err == 0)
		w->err = fdt_property_u64(w->fdt, name, value);
}

static void prop_string(struct fdt_writer *w, const char *name, const char *value)
{
	if (w->err == 0)
		w->err = fdt_property_string(w->fdt, name, value);
}

#define MAX_CELLS 12

static void prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells,
		       unsigned count)
{
	fdt32_t be[MAX_CELLS];

	if (count > MAX_CELLS) {
		w->err = -FDT_ERR_BADVALUE;
		return;
	}
	for (unsigned i = 0; i < count; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	prop_bytes(w, name, be, count * sizeof(be[0]));
}

/* reg with #address-cells = #size-cells = 2: each entry is a 64-bit address and size. */
static void prop_reg(struct fdt_writer *w, uint64_t base0, uint64_t size0, uint64_t base1,
		     uint64_t size1, unsigned entries)
{
	fdt64_t be[4] = {cpu_to_fdt64(base0), cpu_to_fdt64(size0), cpu_to_fdt64(base1),
			 cpu_to_fdt64(size1)};

	prop_bytes(w, "reg", be, entries * 2 * sizeof(be[0]));
}

static bool is_node_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
}

/*
 * Writes "name@<unit in lower-case hex>" as the device tree spec spells a
 * unit address. -SVMM_EINVAL for an empty name, a character a node name
 * may not hold (a '/' or '@' would change the tree's structure), or a name
 * that does not fit.
 */
static int format_node_name(char *out, size_t out_size, const char *name, uint64_t unit)
{
	char digits[16];
	size_t name_len, digit_count = 0, pos;

	if (name == NULL || name[0] == '\0')
		return -SVMM_EINVAL;
	name_len = strlen(name);
	for (size_t i = 0; i < name_len; i++)
		if (!is_node_name_char(name[i]))
			return -SVMM_EINVAL;
	do {
		digits[digit_count++] = "0123456789abcdef"[unit & 0xf];
		unit >>= 4;
	} while (unit != 0);
	if (name_len + 1 + digit_count + 1 > out_size)
		return -SVMM_EINVAL;

	memcpy(out, name, name_len);
	pos = name_len;
	out[pos++] = '@';
	while (digit_count > 0)
		out[pos++] = digits[--digit_count];
	out[pos] = '\0';
	return 0;
}

/* Begins the node "name@unit". */
static void begin_unit_node(struct fdt_writer *w, const char *name, uint64_t unit)
{
	char full_name[NODE_NAME_MAX];

	if (w->err != 0)
		return;
	if (format_node_name(full_name, sizeof(full_name), name, unit) != 0) {
		w->err = -FDT_ERR_BADVALUE;
		return;
	}
	begin_node(w, full_name);
}

static bool streq(const char *a, const char *b)
{
	size_t len = strlen(b);

	return strlen(a) == len && memcmp(a, b, len) == 0;
}

static bool range_wraps(uint64_t base, uint64_t size)
{
	return size != 0 && base + (size - 1) < base;
}

static int check_device(const struct vm_device *dev)
{
	char name[NODE_NAME_MAX];

	if (dev->compatible == NULL || dev->compatible_len == 0 ||
	    dev->compatible_len > (size_t)INT32_MAX ||
	    dev->compatible[dev->compatible_len - 1] != '\0')
		return -SVMM_EINVAL;
	if (dev->size == 0 || range_wraps(dev->base, dev->size))
		return -SVMM_EINVAL;
	if (dev->irq_line >= GIC_SPI_COUNT)
		return -SVMM_EINVAL;
	return format_node_name(name, sizeof(name), dev->name, dev->base);
}

static int check_params(const struct arm64_fdt_params *p)
{
	if (p->cpus == 0 || p->map == NULL || p->psci_method == NULL)
		return -SVMM_EINVAL;
	if (!streq(p->psci_method, "hvc") && !streq(p->psci_method, "smc"))
		return -SVMM_EINVAL;
	if (p->ram_size == 0 || range_wraps(p->ram_base, p->ram_size))
		return -SVMM_EINVAL;
	if (p->initrd_start > p->initrd_end)
		return -SVMM_EINVAL;
	switch (p->gic_version) {
	case ARM64_GICV2:
		/* GICv2 targets interrupts with an 8-bit CPU mask. */
		if (p->cpus > GICV2_MAX_CPUS)
			return -SVMM_EINVAL;
		break;
	case ARM64_GICV3:
		/* A CPU without its redistributor frame could not take interrupts. */
		if (p->cpus * GICV3_REDIST_FRAME_SIZE > p->map->gic_redist_size)
			return -SVMM_EINVAL;
		break;
	default:
		return -SVMM_EINVAL;
	}
	if (p->device_count != 0 && p->devices == NULL)
		return -SVMM_EINVAL;
	for (unsigned i = 0; i < p->device_count; i++) {
		int err = check_device(&p->devices[i]);

		if (err != 0)
			return err;
	}
	return 0;
}

static void write_chosen(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	begin_node(w, "chosen");
	if (p->cmdline != NULL && p->cmdline[0] != '\0')
		prop_string(w, "bootargs", p->cmdline);
	if (p->initrd_start != p->initrd_end) {
		prop_u64(w, "linux,initrd-start", p->initrd_start);
		prop_u64(w, "linux,initrd-end", p->initrd_end);
	}
	for (unsigned i = 0; i < p->device_count; i++) {
		const struct vm_device *dev = &p->devices[i];
		char path[1 + NODE_NAME_MAX];

		if (!(dev->flags & VM_DEVICE_CONSOLE))
			continue;
		/* Devices are children of the root, so the path is "/" plus the node name. */
		path[0] = '/';
		if (format_node_name(path + 1, sizeof(path) - 1, dev->name, dev->base) == 0)
			prop_string(w, "stdout-path", path);
		else if (w->err == 0)
			w->err = -FDT_ERR_BADVALUE;
		break;
	}
	end_node(w);
}

static void write_memory(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	begin_unit_node(w, "memory", p->ram_base);
	prop_string(w, "device_type", "memory");
	prop_reg(w, p->ram_base, p->ram_size, 0, 0, 1);
	end_node(w);
}

static void write_cpus(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	begin_node(w, "cpus");
	prop_u32(w, "#address-cells", 1);
	prop_u32(w, "#size-cells", 0);
	for (unsigned i = 0; i < p->cpus; i++) {
		/* A cpu node's reg is its CPU's MPIDR affinity (Aff0..Aff2 fit one cell). */
		uint32_t mpidr = (uint32_t)arm64_vcpu_mpidr(i);

		begin_unit_node(w, "cpu", mpidr);
		prop_string(w, "device_type", "cpu");
		prop_string(w, "compatible", "arm,arm-v8");
		prop_u32(w, "reg", mpidr);
		/* Secondary CPUs start through PSCI CPU_ON, which svmm's hypervisor handles. */
		prop_string(w, "enable-method", "psci");
		end_node(w);
	}
	end_node(w);
}

static void write_psci(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	static const char compatible[] = "arm,psci-1.0\0arm,psci-0.2";

	begin_node(w, "psci");
	/* From 0.2 on, function IDs are standard, so no cpu_on/cpu_off properties are needed. */
	prop_bytes(w, "compatible", compatible, sizeof(compatible));
	prop_string(w, "method", p->psci_method);
	end_node(w);
}

static void write_gic(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	const struct arm64_guest_map *map = p->map;

	begin_unit_node(w, "intc", map->gic_dist_base);
	if (p->gic_version == ARM64_GICV3) {
		/* Exactly one frame per vCPU: the guest probes every frame it is given. */
		uint64_t redist_size = p->cpus * GICV3_REDIST_FRAME_SIZE;

		prop_string(w, "compatible", "arm,gic-v3");
		prop_reg(w, map->gic_dist_base, map->gic_dist_size, map->gic_redist_base,
			 redist_size, 2);
		prop_u32(w, "#redistributor-regions", 1);
	} else {
		prop_string(w, "compatible", "arm,cortex-a15-gic");
		prop_reg(w, map->gic_dist_base, map->gic_dist_size, map->gic_cpu_base,
			 map->gic_cpu_size, 2);
	}
	prop_u32(w, "#interrupt-cells", 3);
	prop_empty(w, "interrupt-controller");
	/* As on QEMU's virt board: lets a child (an ITS or v2m frame) be added later. */
	prop_u32(w, "#address-cells", 2);
	prop_u32(w, "#size-cells", 2);
	prop_empty(w, "ranges");
	prop_u32(w, "phandle", GIC_PHANDLE);
	end_node(w);
}

static void write_timer(struct fdt_writer *w, const struct arm64_fdt_params *p)
{
	/*
	 * Level-low, as the arch timer binding's examples and kvmtool say;
	 * Linux configures these PPIs as level-sensitive whatever the
	 * polarity. GICv2 also wants the mask of CPUs each PPI reaches.
	 */
	uint32_t flags = IRQ_TYPE_LEVEL_LOW;
	uint32_t interrupts[12];
	const uint32_t ppis[4] = {TIMER_PPI_SECURE_PHYS, TIMER_PPI_NONSECURE_PHYS, TIMER_PPI_VIRT,
				  TIMER_PPI_HYP_PHYS};

	if (p->gic_version == ARM64_GICV2)
		flags |= ((1u << p->cpus) - 1) << GIC_PPI_CPU_MASK_SHIFT;
	for (unsigned i = 0; i < 4; i++) {
		interrupts[3 * i] = GIC_PPI;
		interrupts[3 * i + 1] = ppis[i];
		interrupts[3 * i + 2] = flags;
	}
	begin_node(w, "timer");
	prop_string(w, "compatible", "arm,armv8-timer");
	/* No vCPU idle state stops the timer, so Linux needs no broadcast timer. */
	prop_empty(w, "always-on");
	prop_cells(w, "interrupts", interrupts, 12);
	end_node(w);
}

/* The PrimeCell bus clock every AMBA device's driver looks up by name. */
static void write_apb_pclk(struct fdt_writer *w)
{
	begin_node(w, "apb-pclk");
	prop_string(w, "compatible", "fixed-clock");
	prop_u32(w, "#clock-cells", 0);
	prop_u32(w, "clock-frequency", APB_PCLK_HZ);
	prop_string(w, "clock-output-names", "clk24mhz");
	prop_u32(w, "phandle", CLOCK_PHANDLE);
	end_node(w);
}

static void write_device(struct fdt_writer *w, const struct vm_device *dev)
{
	begin_unit_node(w, dev->name, dev->base);
	prop_bytes(w, "compatible", dev->compatible, dev->compatible_len);
	prop_reg(w, dev->base, dev->size, 0, 0, 1);
	if (dev->irq_line >= 0) {
		const uint32_t interrupts[3] = {
		    GIC_SPI, (uint32_t)dev->irq_line,
		    (dev->flags & VM_DEVICE_IRQ_EDGE) ? IRQ_TYPE_EDGE_RISING : IRQ_TYPE_LEVEL_HIGH};

		prop_cells(w, "interrupts", interrupts, 3);
	}
	if (dev->flags & VM_DEVICE_DMA_COHERENT)
		prop_empty(w, "dma-coherent");
	if (dev->flags & VM_DEVICE_AMBA) {
		/*
		 * The AMBA bus takes "apb_pclk" to power the device up; the
		 * PL011 driver takes the first clock for its baud rate. One
		 * fixed clock serves both.
		 */
		static const char clock_names[] = "uartclk\0apb_pclk";
		const uint32_t clocks[2] = {CLOCK_PHANDLE, CLOCK_PHANDLE};

		prop_cells(w, "clocks", clocks, 2);
		prop_bytes(w, "clock-names", clock_names, sizeof(clock_names));
	}
	if (dev->flags & VM_DEVICE_GPIO_POWER_KEY) {
		prop_empty(w, "gpio-controller");
		prop_u32(w, "#gpio-cells", 2);
		prop_u32(w, "phandle", GPIO_PHANDLE);
	}
	end_node(w);
}

/* The power key on the GPIO line, as QEMU's virt board describes it. */
static void write_gpio_keys(struct fdt_writer *w)
{
	const uint32_t gpios[3] = {GPIO_PHANDLE, VM_POWER_KEY_GPIO_LINE, 0 /* active high */};

	begin_node(w, "gpio-keys");
	prop_string(w, "compatible", "gpio-keys");
	begin_node(w, "poweroff");
	prop_string(w, "label", "GPIO Key Poweroff");
	prop_u32(w, "linux,code", VM_KEY_POWER);
	prop_cells(w, "gpios", gpios, 3);
	end_node(w);
	end_node(w);
}

static bool any_amba_device(const struct arm64_fdt_params *p)
{
	for (unsigned i = 0; i < p->device_count; i++)
		if (p->devices[i].flags & VM_DEVICE_AMBA)
			return true;
	return false;
}

int arm64_fdt_build(void *buf, size_t size, const struct arm64_fdt_params *params)
{
	struct fdt_writer w = {.fdt = buf};
	int err;

	if (buf == NULL || params == NULL)
		return -SVMM_EINVAL;
	err = check_params(params);
	if (err != 0)
		return err;

	/* libfdt counts in int; a larger buffer is simply not used beyond that. */
	w.err = fdt_create(buf, size > (size_t)INT32_MAX ? INT32_MAX : (int)size);
	if (w.err == 0)
		w.err = fdt_finish_reservemap(buf);

	begin_node(&w, "");
	prop_u32(&w, "#address-cells", 2);
	prop_u32(&w, "#size-cells", 2);
	prop_string(&w, "compatible", "linux,dummy-virt");
	prop_string(&w, "model", "svmm");
	prop_u32(&w, "interrupt-parent", GIC_PHANDLE);

	write_chosen(&w, params);
	write_memory(&w, params);
	write_cpus(&w, params);
	write_psci(&w, params);
	write_gic(&w, params);
	write_timer(&w, params);
	if (any_amba_device(params))
		write_apb_pclk(&w);
	for (unsigned i = 0; i < params->device_count; i++)
		write_device(&w, &params->devices[i]);
	/* Only the first: the key has one line, on one controller. */
	for (unsigned i = 0; i < params->device_count; i++) {
		if (params->devices[i].flags & VM_DEVICE_GPIO_POWER_KEY) {
			write_gpio_keys(&w);
			break;
		}
	}
	end_node(&w);

	if (w.err == 0)
		w.err = fdt_finish(buf);
	if (w.err == 0)
		return 0;
	return w.err == -FDT_ERR_NOSPACE ? -SVMM_ENOSPC : -SVMM_EINVAL;
}
