/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fields of a VM description and the one place each is parsed and
 * checked, whether it came from a flag or from a JSON file.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config/config_private.h"
#include "core/vm_command.h"

#define STRINGIFY_EXPANDED(x) #x
#define STRINGIFY(x)	      STRINGIFY_EXPANDED(x)

/*
 * arm64 Linux copies /chosen/bootargs into a COMMAND_LINE_SIZE (2048) buffer
 * that also holds the terminating NUL, and silently cuts anything longer.
 */
#define KERNEL_COMMAND_LINE_MAX_BYTES 2047
#define SOCKET_PATH_MAX_BYTES	      (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static const char expect_name[] =
    "a name of 1 to " STRINGIFY(VM_COMMAND_NAME_MAX) " characters from A-Z a-z 0-9 . _ -";
static const char expect_path[] = "a file path";
static const char expect_optional_path[] = "a file path, or \"\" for none";
static const char expect_cmdline[] = "a kernel command line";
static const char expect_short_cmdline[] =
    "a kernel command line of at most " STRINGIFY(KERNEL_COMMAND_LINE_MAX_BYTES) " bytes";
static const char expect_cpus[] = "an integer from 1 to " STRINGIFY(VM_CONFIG_MAX_CPUS);
static const char expect_memory[] = "a size like 512M or 1G";
static const char expect_on_reboot[] = "\"restart\", \"stop\" or \"exit\"";
static const char expect_console[] = "\"stdio\", \"pty\", \"socket:PATH\" or \"none\", optionally "
				     "after \"virtio,\" or \"pl011,\"";

static const char console_socket_prefix[] = "socket:";

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* Allocation failure leaves NULL, which vm_config_validate() reports. */
	cfg->name = strdup("svmm");
	cfg->cmdline = strdup("console=ttyAMA0");
	cfg->cpus = 1;
	cfg->memory = 512ull << 20;
	cfg->on_reboot = ON_REBOOT_RESTART;
	cfg->console = CONSOLE_STDIO;
	cfg->priority = VM_CONFIG_DEFAULT_PRIORITY;
}

void vm_config_free(struct vm_config *cfg)
{
	char **owned[] = {&cfg->name,	 &cfg->kernel,	     &cfg->initrd,
			  &cfg->cmdline, &cfg->console_path, &cfg->dtb_out};

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		free(*owned[i]);
		*owned[i] = NULL;
	}
	config_free_devices(cfg);
}

/* Takes ownership of `value` (which may be NULL) and frees what it replaces. */
static void replace_string(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

static int fail_out_of_memory(const char *origin, struct config_error *err)
{
	return config_fail(err, "%s: out of memory", origin);
}

/*
 * A path as given, or joined to `base_dir` when relative, so that a VM
 * description's "Image" means the Image next to that description.
 */
int config_resolve_path(const char *value, const char *base_dir, const char *origin,
			const char *expected, struct config_error *err, char **resolved)
{
	bool join = value[0] != '/' && base_dir && base_dir[0] != '\0';
	size_t base_len = join ? strlen(base_dir) : 0;
	bool needs_separator = join && base_dir[base_len - 1] != '/';
	size_t total = base_len + (needs_separator ? 1 : 0) + strlen(value);
	char *path = NULL;

	if (value[0] == '\0')
		return config_fail_expected(err, origin, expected, value);
	if (total >= PATH_MAX)
		return config_fail_expected(
		    err, origin, "a path shorter than " STRINGIFY(PATH_MAX) " bytes", value);
	path = malloc(total + 1);
	if (!path)
		return fail_out_of_memory(origin, err);
	if (join) {
		memcpy(path, base_dir, base_len);
		if (needs_separator)
			path[base_len++] = '/';
	}
	strcpy(path + base_len, value);
	*resolved = path;
	return 0;
}

static int set_path_field(char **slot, bool empty_means_none, const char *value, const char *origin,
			  const char *base_dir, struct config_error *err)
{
	char *path = NULL;

	if (empty_means_none && value[0] == '\0') {
		replace_string(slot, NULL);
		return 0;
	}
	if (config_resolve_path(value, base_dir, origin,
				empty_means_none ? expect_optional_path : expect_path, err,
				&path) != 0)
		return -1;
	replace_string(slot, path);
	return 0;
}

static int set_name(struct vm_config *cfg, const char *value, const char *origin,
		    const char *base_dir, struct config_error *err)
{
	char *copy;

	(void)base_dir;
	if (!vm_command_name_valid(value, strlen(value)))
		return config_fail_expected(err, origin, expect_name, value);
	copy = strdup(value);
	if (!copy)
		return fail_out_of_memory(origin, err);
	replace_string(&cfg->name, copy);
	return 0;
}

static int set_kernel(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err)
{
	return set_path_field(&cfg->kernel, false, value, origin, base_dir, err);
}

static int set_initrd(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err)
{
	return set_path_field(&cfg->initrd, true, value, origin, base_dir, err);
}

static int set_dtb_out(struct vm_config *cfg, const char *value, const char *origin,
		       const char *base_dir, struct config_error *err)
{
	return set_path_field(&cfg->dtb_out, true, value, origin, base_dir, err);
}

static int set_cmdline(struct vm_config *cfg, const char *value, const char *origin,
		       const char *base_dir, struct config_error *err)
{
	char *copy;

	(void)base_dir;
	if (strlen(value) > KERNEL_COMMAND_LINE_MAX_BYTES)
		return config_fail_expected(err, origin, expect_short_cmdline, value);
	copy = strdup(value);
	if (!copy)
		return fail_out_of_memory(origin, err);
	replace_string(&cfg->cmdline, copy);
	cfg->cmdline_given = true;
	return 0;
}

static int set_cpus(struct vm_config *cfg, const char *value, const char *origin,
		    const char *base_dir, struct config_error *err)
{
	unsigned cpus = 0;

	(void)base_dir;
	/* Decimal digits only: "0x4", "+4", " 4" and "4 " are all refused. */
	if (value[0] == '\0')
		return config_fail_expected(err, origin, expect_cpus, value);
	for (const char *c = value; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return config_fail_expected(err, origin, expect_cpus, value);
		cpus = cpus * 10 + (unsigned)(*c - '0');
		if (cpus > VM_CONFIG_MAX_CPUS)
			return config_fail_expected(err, origin, expect_cpus, value);
	}
	if (cpus < 1)
		return config_fail_expected(err, origin, expect_cpus, value);
	cfg->cpus = cpus;
	return 0;
}

int config_check_memory(uint64_t bytes, const char *value, const char *origin,
			struct config_error *err)
{
	if (bytes < VM_CONFIG_MIN_MEMORY || bytes > VM_CONFIG_MAX_MEMORY) {
		char min[32], max[32], expected[96];

		config_format_size(VM_CONFIG_MIN_MEMORY, min, sizeof(min));
		config_format_size(VM_CONFIG_MAX_MEMORY, max, sizeof(max));
		snprintf(expected, sizeof(expected), "a size from %s to %s", min, max);
		return config_fail_expected(err, origin, expected, value);
	}
	if (bytes % CONFIG_MEMORY_GRANULE != 0)
		return config_fail_expected(err, origin,
					    "a whole number of MiB (guest memory is mapped in "
					    "whole host pages)",
					    value);
	return 0;
}

static int set_memory(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err)
{
	uint64_t bytes;

	(void)base_dir;
	if (config_parse_size(value, &bytes) != 0)
		return config_fail_expected(err, origin, expect_memory, value);
	if (config_check_memory(bytes, value, origin, err) != 0)
		return -1;
	cfg->memory = bytes;
	return 0;
}

static int set_on_reboot(struct vm_config *cfg, const char *value, const char *origin,
			 const char *base_dir, struct config_error *err)
{
	(void)base_dir;
	if (strcmp(value, "restart") == 0)
		cfg->on_reboot = ON_REBOOT_RESTART;
	else if (strcmp(value, "exit") == 0)
		cfg->on_reboot = ON_REBOOT_EXIT;
	else if (strcmp(value, "stop") == 0)
		cfg->on_reboot = ON_REBOOT_STOP;
	else
		return config_fail_expected(err, origin, expect_on_reboot, value);
	return 0;
}

/* One token of --console: the backend (stdio, pty, socket:PATH). */
static int set_console_backend(struct vm_config *cfg, const char *token, const char *origin,
			       const char *base_dir, struct config_error *err)
{
	const char *socket_path;
	char *path = NULL;

	if (strcmp(token, "stdio") == 0 || strcmp(token, "pty") == 0 ||
	    strcmp(token, "none") == 0) {
		cfg->console = token[0] == 's'	 ? CONSOLE_STDIO
			       : token[0] == 'p' ? CONSOLE_PTY
						 : CONSOLE_NONE;
		replace_string(&cfg->console_path, NULL);
		return 0;
	}
	if (strncmp(token, console_socket_prefix, sizeof(console_socket_prefix) - 1) != 0)
		return config_fail_expected(err, origin, expect_console, token);
	socket_path = token + sizeof(console_socket_prefix) - 1;
	if (socket_path[0] == '\0')
		return config_fail_expected(err, origin, "a socket path after \"socket:\"", token);
	if (config_resolve_path(socket_path, base_dir, origin, expect_console, err, &path) != 0)
		return -1;
	/* bind() would fail much later, after the guest was set up; say it now. */
	if (strlen(path) > SOCKET_PATH_MAX_BYTES) {
		char expected[64];

		snprintf(expected, sizeof(expected), "a socket path of at most %zu bytes",
			 SOCKET_PATH_MAX_BYTES);
		config_fail_expected(err, origin, expected, path);
		free(path);
		return -1;
	}
	cfg->console = CONSOLE_SOCKET;
	replace_string(&cfg->console_path, path);
	return 0;
}

/*
 * "[pl011|virtio][,]BACKEND": the device the guest sees and where its
 * characters go, each optional ("virtio" alone keeps stdio).
 */
static int set_console(struct vm_config *cfg, const char *value, const char *origin,
		       const char *base_dir, struct config_error *err)
{
	const char *backend = value;
	enum console_device device = CONSOLE_DEVICE_PL011;
	size_t device_len = strcspn(value, ",");

	if (device_len == 6 && strncmp(value, "virtio", 6) == 0)
		device = CONSOLE_DEVICE_VIRTIO;
	else if (device_len == 5 && strncmp(value, "pl011", 5) == 0)
		device = CONSOLE_DEVICE_PL011;
	else
		device_len = 0;
	if (device_len > 0) {
		backend = value + device_len;
		if (*backend == ',')
			backend++;
		else if (*backend == '\0')
			backend = "stdio";
		if (*backend == '\0')
			return config_fail_expected(err, origin, expect_console, value);
	}
	if (set_console_backend(cfg, backend, origin, base_dir, err) != 0)
		return -1;
	cfg->console_device = device;
	/* The default command line names whichever device is the console. */
	if (!cfg->cmdline_given) {
		char *cmdline =
		    strdup(device == CONSOLE_DEVICE_VIRTIO ? "console=hvc0" : "console=ttyAMA0");

		if (!cmdline)
			return fail_out_of_memory(origin, err);
		replace_string(&cfg->cmdline, cmdline);
	}
	return 0;
}

/* In the order the unknown-field message lists them. */
static const struct config_field config_fields[] = {
    {"name", expect_name, 0, set_name},
    {"kernel", expect_path, 0, set_kernel},
    {"initrd", expect_optional_path, 0, set_initrd},
    {"cmdline", expect_cmdline, 0, set_cmdline},
    {"cpus", expect_cpus, CONFIG_JSON_NUMBER, set_cpus},
    {"memory", expect_memory, CONFIG_JSON_NUMBER, set_memory},
    {"on_reboot", expect_on_reboot, 0, set_on_reboot},
    {"console", expect_console, 0, set_console},
    {"dtb_out", expect_optional_path, 0, set_dtb_out},
    {"disk", "a disk like \"disk.img,readonly\"", CONFIG_JSON_OBJECT | CONFIG_JSON_ARRAY,
     config_set_disk},
    {"net", "a network like \"user\" or \"tap=tap0\"", CONFIG_JSON_OBJECT | CONFIG_JSON_ARRAY,
     config_set_net},
    {"rng", "true or false", CONFIG_JSON_BOOL, config_set_rng},
    {"vsock", "\"cid=N,socket=PATH\"", CONFIG_JSON_OBJECT, config_set_vsock},
    {"cores", "a list of core numbers like [1, 2]", CONFIG_JSON_NUMBER | CONFIG_JSON_ARRAY,
     config_set_cores},
    {"priority", "an integer from 0 to 254", CONFIG_JSON_NUMBER, config_set_priority},
    {"budget_us", "microseconds from 1000 to 1000000", CONFIG_JSON_NUMBER, config_set_budget},
    {"period_us", "microseconds from 1000 to 1000000", CONFIG_JSON_NUMBER, config_set_period},
};

const struct config_field *config_field_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
		if (strcmp(config_fields[i].name, name) == 0)
			return &config_fields[i];
	}
	return NULL;
}

int config_fail_unknown_field(struct config_error *err, const char *origin, const char *name)
{
	char known[256] = "";
	char quoted[128];
	size_t used = 0;

	for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
					 i == 0 ? "" : ", ", config_fields[i].name);
		if (used >= sizeof(known))
			break;
	}
	config_quote_for_message(quoted, sizeof(quoted), name ? name : "");
	return config_fail(err, "%s: unknown field \"%s\" (known: %s)", origin, quoted, known);
}

void vm_config_clear_list(struct vm_config *cfg, const char *field)
{
	struct vm_config empty;

	/* Freeing a config with only this list's entries frees exactly those. */
	memset(&empty, 0, sizeof(empty));
	if (strcmp(field, "disk") == 0) {
		memcpy(empty.disks, cfg->disks, sizeof(cfg->disks));
		empty.disk_count = cfg->disk_count;
		memset(cfg->disks, 0, sizeof(cfg->disks));
		cfg->disk_count = 0;
	} else if (strcmp(field, "net") == 0) {
		memcpy(empty.nets, cfg->nets, sizeof(cfg->nets));
		empty.net_count = cfg->net_count;
		memset(cfg->nets, 0, sizeof(cfg->nets));
		cfg->net_count = 0;
	} else if (strcmp(field, "cores") == 0) {
		cfg->core_count = 0;
	}
	config_free_devices(&empty);
}

int vm_config_set(struct vm_config *cfg, const char *field, const char *value, const char *origin,
		  const char *base_dir, struct config_error *err)
{
	const struct config_field *known = config_field_find(field);

	if (!origin)
		origin = field ? field : "vm_config_set";
	if (!known)
		return config_fail_unknown_field(err, origin, field);
	if (!value)
		return config_fail(err, "%s: expected %s, got nothing", origin, known->expects);
	return known->set(cfg, value, origin, base_dir, err);
}
