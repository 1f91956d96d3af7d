/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A walk over the structure block of a flattened device tree (Devicetree
 * Specification v0.4, chapter 5): big-endian 32-bit tokens, node names and
 * property values padded to 4 bytes, property names in the strings block.
 */
#include "hyp/sel4/dtb_info.h"

#include <stdbool.h>

#include "core/errors.h"
#include "core/string.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP	       4u
#define FDT_END	       9u
#define FDT_MAX_DEPTH  16

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be_cells(const uint8_t *p, uint32_t len)
{
	return len == 8 ? (uint64_t)be32(p) << 32 | be32(p + 4) : len == 4 ? be32(p) : 0;
}

static bool name_is(const char *name, const char *want, bool unit_ok)
{
	while (*want != '\0' && *name == *want) {
		name++;
		want++;
	}
	return *want == '\0' && (*name == '\0' || (unit_ok && *name == '@'));
}

/* Whether a compatible property (NUL-separated strings) lists `want`. */
static bool compatible_has(const uint8_t *value, uint32_t len, const char *want)
{
	uint32_t start = 0;

	for (uint32_t i = 0; i < len; i++) {
		if (value[i] == '\0') {
			if (name_is((const char *)value + start, want, false))
				return true;
			start = i + 1;
		}
	}
	return false;
}

/* The top-level node being walked: what a virtio-mmio node needs. */
struct dtb_node {
	bool virtio, has_reg, has_irq;
	uint64_t base;
	unsigned irq;
};

static void node_prop(struct dtb_node *node, const char *name, const uint8_t *value, uint32_t len)
{
	if (name_is(name, "compatible", false)) {
		node->virtio = compatible_has(value, len, "virtio,mmio");
	} else if (name_is(name, "reg", false) && len >= 8) {
		/* The root's #address-cells is 2 in every tree svmm writes. */
		node->base = be_cells(value, 8);
		node->has_reg = true;
	} else if (name_is(name, "interrupts", false) && len >= 12 && be32(value) == 0) {
		node->irq = be32(value + 4); /* GIC_SPI, number, flags */
		node->has_irq = true;
	}
}

static void node_end(struct dtb_node *node, struct dtb_info *info)
{
	if (!node->virtio || !node->has_reg || !node->has_irq)
		return;
	if (info->virtio_count < DTB_INFO_MAX_VIRTIO) {
		info->virtio[info->virtio_count].base = node->base;
		info->virtio[info->virtio_count].irq = node->irq;
	}
	info->virtio_count++;
}

int dtb_info_read(const void *dtb, size_t size, struct dtb_info *info)
{
	const uint8_t *base = dtb;
	uint32_t off_struct, size_struct, off_strings, size_strings;
	const char *path[FDT_MAX_DEPTH];
	struct dtb_node node = {0};
	unsigned depth = 0;
	size_t pos, end;

	memset(info, 0, sizeof(*info));
	if (size < 40 || be32(base) != FDT_MAGIC || be32(base + 4) > size)
		return -SVMM_EINVAL;
	off_struct = be32(base + 8);
	off_strings = be32(base + 12);
	size_strings = be32(base + 32);
	size_struct = be32(base + 36);
	if (off_struct > size || size_struct > size - off_struct || off_strings > size ||
	    size_strings > size - off_strings)
		return -SVMM_EINVAL;
	pos = off_struct;
	end = off_struct + size_struct;
	while (pos + 4 <= end) {
		uint32_t token = be32(base + pos);

		pos += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)base + pos;
			size_t len = 0;

			while (pos + len < end && name[len] != '\0')
				len++;
			if (pos + len >= end || depth >= FDT_MAX_DEPTH)
				return -SVMM_EINVAL;
			path[depth++] = name;
			pos += (len + 1 + 3) & ~(size_t)3;
			if (depth == 2)
				node = (struct dtb_node){0};
			if (depth == 3 && name_is(path[1], "cpus", false) &&
			    name_is(name, "cpu", true))
				info->cpus++;
		} else if (token == FDT_END_NODE) {
			if (depth == 0)
				return -SVMM_EINVAL;
			if (depth == 2)
				node_end(&node, info);
			depth--;
		} else if (token == FDT_PROP) {
			uint32_t len, name_off;
			const char *name;

			if (pos + 8 > end)
				return -SVMM_EINVAL;
			len = be32(base + pos);
			name_off = be32(base + pos + 4);
			pos += 8;
			if (len > end - pos || name_off >= size_strings)
				return -SVMM_EINVAL;
			name = (const char *)base + off_strings + name_off;
			if (depth == 2 && name_is(path[1], "chosen", false)) {
				if (name_is(name, "linux,initrd-start", false))
					info->initrd_start = be_cells(base + pos, len);
				else if (name_is(name, "linux,initrd-end", false))
					info->initrd_end = be_cells(base + pos, len);
			}
			if (depth == 2)
				node_prop(&node, name, base + pos, len);
			pos += (len + 3) & ~(uint32_t)3;
		} else if (token == FDT_END) {
			return depth == 0 ? 0 : -SVMM_EINVAL;
		} else if (token != FDT_NOP) {
			return -SVMM_EINVAL;
		}
	}
	return -SVMM_EINVAL;
}
