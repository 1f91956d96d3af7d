/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/api_report.h"

static const char *const console_backend_names[] = {
    [CONSOLE_STDIO] = "stdio",
    [CONSOLE_PTY] = "pty",
    [CONSOLE_SOCKET] = "socket",
    [CONSOLE_NONE] = "none",
};

static void add_u64(struct json_object *obj, const char *key, uint64_t value)
{
	json_object_object_add(obj, key, json_object_new_uint64(value));
}

static struct json_object *device(const char *kind, const char *name, const char *backend)
{
	struct json_object *dev = json_object_new_object();

	json_object_object_add(dev, "kind", json_object_new_string(kind));
	json_object_object_add(dev, "name", json_object_new_string(name));
	json_object_object_add(dev, "backend", json_object_new_string(backend));
	return dev;
}

static void add_net_counters(struct json_object *dev, const struct virtio_net_stats *stats)
{
	add_u64(dev, "tx_frames", stats->tx_frames);
	add_u64(dev, "tx_bytes", stats->tx_bytes);
	add_u64(dev, "tx_dropped", stats->tx_dropped);
	add_u64(dev, "tx_errors", stats->tx_errors);
	add_u64(dev, "rx_frames", stats->rx_frames);
	add_u64(dev, "rx_bytes", stats->rx_bytes);
	add_u64(dev, "rx_dropped", stats->rx_dropped);
}

void api_report_devices(struct json_object *result, const struct vm_config *cfg,
			const struct vmm_devices *devices,
			const struct api_console_counters *console, bool metrics)
{
	struct json_object *list = json_object_new_array();
	struct json_object *con =
	    device("console", cfg->console_device == CONSOLE_DEVICE_VIRTIO ? "hvc0" : "ttyAMA0",
		   console_backend_names[cfg->console]);

	if (metrics) {
		add_u64(con, "output_bytes", console->output_bytes);
		add_u64(con, "input_bytes", console->input_bytes);
	}
	json_object_array_add(list, con);
	for (unsigned i = 0; i < cfg->disk_count; i++) {
		char name[8] = {'v', 'd', (char)('a' + i), '\0'};
		struct json_object *dev = device("disk", name, "file");

		if (cfg->disks[i].path != NULL)
			json_object_object_add(dev, "path",
					       json_object_new_string(cfg->disks[i].path));
		json_object_object_add(dev, "readonly",
				       json_object_new_boolean(cfg->disks[i].readonly));
		if (metrics) {
			const struct virtio_blk_stats *stats = &devices->machine.disks[i].stats;

			add_u64(dev, "reads", stats->reads);
			add_u64(dev, "read_bytes", stats->read_bytes);
			add_u64(dev, "writes", stats->writes);
			add_u64(dev, "write_bytes", stats->write_bytes);
			add_u64(dev, "flushes", stats->flushes);
			add_u64(dev, "other_requests", stats->other);
			add_u64(dev, "errors", stats->errors);
		}
		json_object_array_add(list, dev);
	}
	for (unsigned i = 0; i < devices->nic_count; i++) {
		char name[8] = {'e', 't', 'h', (char)('0' + i), '\0'};
		struct json_object *dev =
		    device("net", name, devices->nics[i].kind == NET_TAP ? "tap" : "user");

		if (metrics)
			add_net_counters(dev, &devices->nics[i].net->stats);
		json_object_array_add(list, dev);
	}
	if (cfg->rng)
		json_object_array_add(list, device("rng", "rng", "getrandom"));
	if (devices->has_vsock)
		json_object_array_add(list, device("vsock", "vsock", "unix"));
	json_object_object_add(result, "devices", list);
}

void api_report_vm_exits(struct json_object *result, const struct exit_stats *stats, unsigned cpus)
{
	struct json_object *exits = json_object_new_object();

	for (int kind = 0; kind < EXIT_KIND_COUNT; kind++) {
		uint64_t total = 0;

		for (unsigned cpu = 0; stats != NULL && cpu < cpus; cpu++)
			total += exit_stats_exits(&stats[cpu], (enum exit_kind)kind);
		add_u64(exits, exit_kind_name((enum exit_kind)kind), total);
	}
	json_object_object_add(result, "vm_exits", exits);
}
