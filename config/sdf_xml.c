/* SPDX-License-Identifier: Apache-2.0 */
/* The checked SDF plan as Microkit 2.3.0 XML. */
#include <inttypes.h>

#include "config/sdf_plan.h"

static void put_escaped(FILE *out, const char *value)
{
	for (const char *c = value; *c != '\0'; c++) {
		switch (*c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		/* Written as references so attribute normalisation keeps them. */
		case '\t':
			fputs("&#9;", out);
			break;
		case '\n':
			fputs("&#10;", out);
			break;
		case '\r':
			fputs("&#13;", out);
			break;
		default:
			fputc(*c, out);
			break;
		}
	}
}

static void put_text(FILE *out, const char *attribute, const char *value)
{
	fprintf(out, " %s=\"", attribute);
	put_escaped(out, value);
	fputc('"', out);
}

static void put_hex(FILE *out, const char *attribute, uint64_t value)
{
	fprintf(out, " %s=\"0x%" PRIx64 "\"", attribute, value);
}

static void put_decimal(FILE *out, const char *attribute, uint64_t value)
{
	fprintf(out, " %s=\"%" PRIu64 "\"", attribute, value);
}

static void put_indent(FILE *out, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fputs("    ", out);
}

static void put_region(FILE *out, const struct sdf_region *region)
{
	put_indent(out, 1);
	fputs("<memory_region", out);
	put_text(out, "name", region->name);
	put_hex(out, "size", region->size);
	/* Always written: 2.3.0's default is the largest page the region allows. */
	put_hex(out, "page_size", region->page_size);
	if (region->fixed)
		put_hex(out, "phys_addr", region->phys);
	fputs(" />\n", out);
}

static void put_maps(FILE *out, const struct sdf_space *space, unsigned depth)
{
	for (unsigned i = 0; i < space->map_count; i++) {
		const struct sdf_map *map = &space->maps[i];

		put_indent(out, depth);
		fputs("<map", out);
		put_text(out, "mr", map->region->name);
		put_hex(out, "vaddr", map->vaddr);
		put_text(out, "perms", map->perms);
		if (!map->cached)
			put_text(out, "cached", "false");
		if (map->setvar_vaddr != NULL)
			put_text(out, "setvar_vaddr", map->setvar_vaddr);
		if (map->setvar_size != NULL)
			put_text(out, "setvar_size", map->setvar_size);
		fputs(" />\n", out);
	}
}

static void put_sched(FILE *out, const struct sdf_sched *sched)
{
	uint32_t period = sched->period_us != 0 ? sched->period_us : SDF_DEFAULT_TIMESLICE_US;

	put_decimal(out, "priority", sched->priority);
	put_decimal(out, "budget", sched->budget_us != 0 ? sched->budget_us : period);
	put_decimal(out, "period", period);
}

static void put_vm(FILE *out, const struct sdf_vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	put_indent(out, 2);
	fputs("<virtual_machine", out);
	put_text(out, "name", cfg->name);
	put_sched(out, &vm->sched);
	fputs(">\n", out);
	for (unsigned id = 0; id < cfg->cpus; id++) {
		put_indent(out, 3);
		fputs("<vcpu", out);
		put_decimal(out, "id", id);
		if (cfg->core_count > 0)
			put_decimal(out, "cpu", cfg->cores[id]);
		fputs(" />\n", out);
	}
	put_maps(out, &vm->space, 3);
	put_indent(out, 2);
	fputs("</virtual_machine>\n", out);
}

/* A PD's interrupt: kernel irq number `irq` on its channel `id`. */
static void put_irq(FILE *out, unsigned irq, unsigned id)
{
	put_indent(out, 2);
	fputs("<irq", out);
	put_decimal(out, "irq", irq);
	put_decimal(out, "id", id);
	fputs(" />\n", out);
}

static void put_pd(FILE *out, const struct sdf_pd *pd)
{
	put_indent(out, 1);
	fputs("<protection_domain", out);
	put_text(out, "name", pd->name);
	put_sched(out, &pd->sched);
	if (pd->pinned)
		put_decimal(out, "cpu", pd->cpu);
	if (pd->stack_size != 0)
		put_hex(out, "stack_size", pd->stack_size);
	fputs(">\n", out);
	put_indent(out, 2);
	fputs("<program_image", out);
	put_text(out, "path", pd->image);
	fputs(" />\n", out);
	put_maps(out, &pd->space, 2);
	for (unsigned i = 0; i < pd->irq_count; i++)
		put_irq(out, pd->irq + i, pd->irq_id + i);
	for (unsigned i = 0; i < pd->paddr_count; i++) {
		put_indent(out, 2);
		fputs("<setvar", out);
		put_text(out, "symbol", pd->paddr_symbols[i]);
		put_text(out, "region_paddr", pd->paddr_regions[i]->name);
		fputs(" />\n", out);
	}
	if (pd->has_vm)
		put_vm(out, &pd->vm);
	put_indent(out, 1);
	fputs("</protection_domain>\n", out);
}

static void put_end(FILE *out, const struct sdf_end *end)
{
	put_indent(out, 2);
	fputs("<end", out);
	put_text(out, "pd", end->pd->name);
	put_decimal(out, "id", end->id);
	if (end->pp)
		put_text(out, "pp", "true");
	fputs(" />\n", out);
}

void sdf_put_plan(FILE *out, const struct sdf_plan *plan)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<!-- Microkit 2.3.0 system description written by svmm sdf -->\n"
	      "<system>\n",
	      out);
	for (unsigned i = 0; i < plan->region_count; i++)
		put_region(out, &plan->regions[i]);
	for (unsigned i = 0; i < plan->pd_count; i++)
		put_pd(out, &plan->pds[i]);
	for (unsigned i = 0; i < plan->channel_count; i++) {
		put_indent(out, 1);
		fputs("<channel>\n", out);
		put_end(out, &plan->channels[i].a);
		put_end(out, &plan->channels[i].b);
		put_indent(out, 1);
		fputs("</channel>\n", out);
	}
	fputs("</system>\n", out);
}
