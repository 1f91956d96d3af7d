/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registers as the PL061 manual (ARM DDI 0190) names them; what Linux's
 * gpio-pl061 driver and gpio-keys use: data (address-masked), direction,
 * interrupt sense / both edges / event / mask, raw and masked status, clear.
 */
#include "dev/pl061.h"

#include "core/errors.h"
#include "core/string.h"

#define PL061_DATA_END 0x400 /* GPIODATA: bits [9:2] of the offset mask the access */
#define PL061_DIR      0x400
#define PL061_IS       0x404
#define PL061_IBE      0x408
#define PL061_IEV      0x40c
#define PL061_IE       0x410
#define PL061_RIS      0x414
#define PL061_MIS      0x418
#define PL061_IC       0x41c
#define PL061_AFSEL    0x420
#define PL061_ID       0xfe0 /* PeriphID0..3 then CellID0..3, one byte per word */

static const char pl061_compatible[] = "arm,pl061\0arm,primecell";

static void pl061_update_irq(struct pl061 *gpio)
{
	bool level = (gpio->ris & gpio->ie) != 0;

	if (level == gpio->irq_level)
		return;
	if (vm_irq_set(gpio->vm, gpio->irq_line, level) == 0)
		gpio->irq_level = level;
}

/* The level each line shows: outputs what the guest wrote, inputs what the host drives. */
static uint8_t pl061_levels(const struct pl061 *gpio)
{
	return (uint8_t)((gpio->data & gpio->dir) | (gpio->input & ~gpio->dir));
}

/* Level-sensitive lines are pending while at their active level. */
static void pl061_update_level_status(struct pl061 *gpio)
{
	uint8_t levels = pl061_levels(gpio);
	uint8_t active = (uint8_t)((levels & gpio->iev) | (~levels & ~gpio->iev));

	gpio->ris = (uint8_t)((gpio->ris & ~gpio->is) | (active & gpio->is));
}

/* Edge-sensitive lines latch a change in the direction they listen for. */
static void pl061_latch_edges(struct pl061 *gpio, uint8_t before)
{
	uint8_t after = pl061_levels(gpio);
	uint8_t changed = before ^ after;
	uint8_t wanted = (uint8_t)(gpio->ibe | (after & gpio->iev) | (~after & ~gpio->iev));

	gpio->ris |= (uint8_t)(changed & wanted & ~gpio->is);
	pl061_update_level_status(gpio);
}

void pl061_set_input(struct pl061 *gpio, unsigned line, bool level)
{
	uint8_t before = pl061_levels(gpio);
	uint8_t bit = (uint8_t)(1u << (line % PL061_LINES));

	if (line >= PL061_LINES)
		return;
	gpio->input = level ? (uint8_t)(gpio->input | bit) : (uint8_t)(gpio->input & ~bit);
	pl061_latch_edges(gpio, before);
	pl061_update_irq(gpio);
}

static uint32_t pl061_read(struct pl061 *gpio, uint64_t offset)
{
	/* Linux's AMBA bus identifies the device by these before any driver binds. */
	static const uint8_t id[8] = {0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

	if (offset < PL061_DATA_END)
		return pl061_levels(gpio) & (uint8_t)(offset >> 2);
	if (offset >= PL061_ID)
		return id[(offset - PL061_ID) / 4];
	switch (offset) {
	case PL061_DIR:
		return gpio->dir;
	case PL061_IS:
		return gpio->is;
	case PL061_IBE:
		return gpio->ibe;
	case PL061_IEV:
		return gpio->iev;
	case PL061_IE:
		return gpio->ie;
	case PL061_RIS:
		return gpio->ris;
	case PL061_MIS:
		return gpio->ris & gpio->ie;
	case PL061_AFSEL:
		return gpio->afsel;
	default:
		log_limited(&gpio->vm->log, &gpio->bad_access_log, LOG_WARN,
			    "pl061: read of unknown register at offset 0x%llx returns 0",
			    (unsigned long long)offset);
		return 0;
	}
}

static void pl061_write(struct pl061 *gpio, uint64_t offset, uint8_t value)
{
	uint8_t before = pl061_levels(gpio);

	if (offset < PL061_DATA_END) {
		uint8_t mask = (uint8_t)(offset >> 2);

		gpio->data = (uint8_t)((gpio->data & ~mask) | (value & mask));
	} else {
		switch (offset) {
		case PL061_DIR:
			gpio->dir = value;
			break;
		case PL061_IS:
			gpio->is = value;
			break;
		case PL061_IBE:
			gpio->ibe = value;
			break;
		case PL061_IEV:
			gpio->iev = value;
			break;
		case PL061_IE:
			gpio->ie = value;
			break;
		case PL061_IC:
			gpio->ris &= (uint8_t)~value;
			break;
		case PL061_AFSEL:
			gpio->afsel = value;
			break;
		case PL061_RIS:
		case PL061_MIS:
			break; /* read-only */
		default:
			if (offset < PL061_ID)
				log_limited(&gpio->vm->log, &gpio->bad_access_log, LOG_WARN,
					    "pl061: write of unknown register at offset 0x%llx "
					    "ignored",
					    (unsigned long long)offset);
			break;
		}
	}
	/* A direction or data change moves output lines; sense changes re-evaluate levels. */
	pl061_latch_edges(gpio, before);
}

int pl061_mmio(void *opaque, struct access *acc, uint64_t offset)
{
	struct pl061 *gpio = opaque;

	/* Byte-wide registers in 32-bit words: any size, on a word. */
	if (offset % 4 != 0 || offset >= PL061_MMIO_SIZE || acc->size == 0 || acc->size > 4) {
		log_limited(&gpio->vm->log, &gpio->bad_access_log, LOG_WARN,
			    "pl061: %u-byte %s at offset 0x%llx ignored", (unsigned)acc->size,
			    acc->is_write ? "write" : "read", (unsigned long long)offset);
		if (!acc->is_write)
			acc->value = 0;
		return 0;
	}
	if (acc->is_write)
		pl061_write(gpio, offset, (uint8_t)acc->value);
	else
		acc->value = pl061_read(gpio, offset);
	pl061_update_irq(gpio);
	return 0;
}

void pl061_reset(struct pl061 *gpio)
{
	gpio->data = gpio->input = 0;
	gpio->dir = gpio->is = gpio->ibe = gpio->iev = gpio->ie = gpio->ris = gpio->afsel = 0;
	pl061_update_irq(gpio);
}

int pl061_init(struct pl061 *gpio, struct vm *vm, uint64_t base, unsigned irq_line)
{
	struct vm_device device = {
	    .name = "pl061",
	    .compatible = pl061_compatible,
	    .compatible_len = sizeof(pl061_compatible),
	    .base = base,
	    .size = PL061_MMIO_SIZE,
	    .irq_line = (int)irq_line,
	    .flags = VM_DEVICE_AMBA | VM_DEVICE_GPIO_POWER_KEY,
	};
	int err;

	memset(gpio, 0, sizeof(*gpio));
	gpio->vm = vm;
	gpio->irq_line = irq_line;
	pl061_reset(gpio);
	if (irq_line > INT32_MAX)
		return -SVMM_EINVAL;
	if (vm->device_count == VM_MAX_DEVICES)
		return -SVMM_ENOSPC;
	err = bus_register(&vm->mmio, base, PL061_MMIO_SIZE, pl061_mmio, gpio, "pl061");
	if (err != 0)
		return err;
	return vm_add_device(vm, &device);
}
