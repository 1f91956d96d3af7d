/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device fields of a VM description: disks, network interfaces, the
 * entropy device and vsock. Each is an option list, "main,key=value,flag",
 * the same on the command line and in JSON (where an object {"key": value}
 * is turned into that list first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_private.h"

#define OPTION_TEXT_MAX 1024
#define SERIAL_MAX	20 /* virtio-blk's GET_ID answer */

static const char expect_disk[] = "PATH[,readonly][,direct][,serial=TEXT] (at most "
				  "20 characters of serial), or device=NAME";
static const char expect_net[] =
    "user[,mac=MAC][,forward=tcp:HOSTPORT:GUESTPORT] or tap=NAME[,mac=MAC]";
static const char expect_vsock[] = "cid=N,socket=PATH with N from 3 to 4294967294";
static const char expect_mac[] = "a unicast MAC address like 52:54:00:12:34:56";

/* Splits `text` (modified in place) at commas; returns the count, or -1 if too many. */
static int split_options(char *text, char **tokens, int max)
{
	int count = 0;

	for (char *token = text; token != NULL;) {
		char *comma = strchr(token, ',');

		if (count == max)
			return -1;
		if (comma != NULL)
			*comma++ = '\0';
		tokens[count++] = token;
		token = comma;
	}
	return count;
}

/* The text after "key=" if `token` is that key, else NULL. */
static const char *option_value(const char *token, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(token, key, len) == 0 && token[len] == '=')
		return token + len + 1;
	return NULL;
}

static int copy_option_text(char *buffer, const char *value, const char *origin,
			    const char *expected, struct config_error *err)
{
	if (strlen(value) >= OPTION_TEXT_MAX)
		return config_fail_expected(err, origin, expected, value);
	strcpy(buffer, value);
	return 0;
}

static void free_disk(struct disk_config *disk)
{
	free(disk->path);
	free(disk->device);
	free(disk->serial);
	memset(disk, 0, sizeof(*disk));
}

static void free_net(struct net_config *net)
{
	free(net->tap_name);
	for (unsigned i = 0; i < net->forward_count; i++)
		free(net->forwards[i]);
	memset(net, 0, sizeof(*net));
}

void config_free_devices(struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->disk_count; i++)
		free_disk(&cfg->disks[i]);
	cfg->disk_count = 0;
	for (unsigned i = 0; i < cfg->net_count; i++)
		free_net(&cfg->nets[i]);
	cfg->net_count = 0;
	free(cfg->vsock.socket);
	cfg->vsock.socket = NULL;
}

static int parse_disk_option(struct disk_config *disk, const char *token, const char *origin,
			     const char *base_dir, const char *whole, struct config_error *err)
{
	const char *value;

	if ((value = option_value(token, "device")) != NULL) {
		/* A block device of the system's "devices"; system_config_check_devices() looks. */
		if (value[0] == '\0' || disk->device != NULL || disk->path != NULL)
			return config_fail_expected(err, origin, expect_disk, whole);
		disk->device = strdup(value);
		if (disk->device == NULL)
			return config_fail(err, "%s: out of memory", origin);
	} else if (option_value(token, "partition") != NULL) {
		return config_fail(err,
				   "%s: partition: a partition of a shared disk is not supported "
				   "yet (it needs the block virtualiser); give the VM the whole "
				   "device",
				   origin);
	} else if (strcmp(token, "readonly") == 0 || strcmp(token, "ro") == 0) {
		disk->readonly = true;
	} else if (strcmp(token, "direct") == 0) {
		disk->direct = true;
	} else if ((value = option_value(token, "serial")) != NULL) {
		if (value[0] == '\0' || strlen(value) > SERIAL_MAX || disk->serial != NULL)
			return config_fail_expected(err, origin, expect_disk, whole);
		disk->serial = strdup(value);
	} else if ((value = option_value(token, "path")) != NULL || strchr(token, '=') == NULL) {
		if (disk->path != NULL || disk->device != NULL)
			return config_fail_expected(err, origin, expect_disk, whole);
		return config_resolve_path(value ? value : token, base_dir, origin, expect_disk,
					   err, &disk->path);
	} else {
		return config_fail_expected(err, origin, expect_disk, whole);
	}
	return 0;
}

int config_set_disk(struct vm_config *cfg, const char *value, const char *origin,
		    const char *base_dir, struct config_error *err)
{
	char text[OPTION_TEXT_MAX];
	char *tokens[8];
	struct disk_config disk = {0};
	int count;

	if (cfg->disk_count == VM_CONFIG_MAX_DISKS)
		return config_fail(err, "%s: at most %d disks", origin, VM_CONFIG_MAX_DISKS);
	if (copy_option_text(text, value, origin, expect_disk, err) != 0)
		return -1;
	count = split_options(text, tokens, 8);
	if (count < 0)
		return config_fail_expected(err, origin, expect_disk, value);
	for (int i = 0; i < count; i++) {
		if (parse_disk_option(&disk, tokens[i], origin, base_dir, value, err) != 0) {
			free_disk(&disk);
			return -1;
		}
	}
	if (disk.path == NULL && disk.device == NULL) {
		free_disk(&disk);
		return config_fail_expected(err, origin, expect_disk, value);
	}
	cfg->disks[cfg->disk_count++] = disk;
	return 0;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
	unsigned bytes[6];
	char tail;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &bytes[0], &bytes[1], &bytes[2], &bytes[3],
		   &bytes[4], &bytes[5], &tail) != 6 ||
	    strlen(text) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)bytes[i];
	/* A multicast (or broadcast) source address would not reach the guest. */
	return (mac[0] & 1) ? -1 : 0;
}

/* "tcp:8080:80": protocol, host port, guest port. */
static int check_forward(const char *text)
{
	unsigned host_port, guest_port;
	char protocol[4], tail;

	if (sscanf(text, "%3[a-z]:%u:%u%c", protocol, &host_port, &guest_port, &tail) != 3)
		return -1;
	if (strcmp(protocol, "tcp") != 0 && strcmp(protocol, "udp") != 0)
		return -1;
	return host_port >= 1 && host_port <= 65535 && guest_port >= 1 && guest_port <= 65535 ? 0
											      : -1;
}

static int parse_net_option(struct net_config *net, const char *token, bool first,
			    const char *origin, const char *whole, struct config_error *err)
{
	const char *value;

	if (option_value(token, "switch") != NULL) {
		/* A port on one of the system description's virtual switches. */
		return config_fail(
		    err, "%s: a network on a system's \"switch\" is not supported yet", origin);
	} else if (first && strcmp(token, "user") == 0) {
		net->backend = NET_USER;
	} else if (first && (value = option_value(token, "tap")) != NULL) {
		/* Linux interface names are at most 15 characters (IFNAMSIZ - 1). */
		if (value[0] == '\0' || strlen(value) > 15)
			return config_fail_expected(err, origin,
						    "a tap interface name of 1 to 15 "
						    "characters",
						    value);
		net->backend = NET_TAP;
		net->tap_name = strdup(value);
	} else if (!first && (value = option_value(token, "mac")) != NULL) {
		if (parse_mac(value, net->mac) != 0)
			return config_fail_expected(err, origin, expect_mac, value);
		net->has_mac = true;
	} else if (!first && (value = option_value(token, "forward")) != NULL) {
		if (net->backend != NET_USER || net->forward_count == VM_CONFIG_MAX_FORWARDS ||
		    check_forward(value) != 0)
			return config_fail_expected(
			    err, origin, "forward=tcp:HOSTPORT:GUESTPORT (user networking only)",
			    value);
		net->forwards[net->forward_count++] = strdup(value);
	} else {
		return config_fail_expected(err, origin, expect_net, whole);
	}
	return 0;
}

int config_set_net(struct vm_config *cfg, const char *value, const char *origin,
		   const char *base_dir, struct config_error *err)
{
	char text[OPTION_TEXT_MAX];
	char *tokens[2 + VM_CONFIG_MAX_FORWARDS];
	struct net_config net = {0};
	int count;

	(void)base_dir;
	if (cfg->net_count == VM_CONFIG_MAX_NETS)
		return config_fail(err, "%s: at most %d network interfaces", origin,
				   VM_CONFIG_MAX_NETS);
	if (copy_option_text(text, value, origin, expect_net, err) != 0)
		return -1;
	/* JSON objects arrive as "backend=user,...": take that spelling too. */
	count = split_options(text, tokens, 2 + VM_CONFIG_MAX_FORWARDS);
	if (count < 0)
		return config_fail_expected(err, origin, expect_net, value);
	if (strcmp(tokens[0], "backend=user") == 0)
		tokens[0] = "user";
	for (int i = 0; i < count; i++) {
		if (parse_net_option(&net, tokens[i], i == 0, origin, value, err) != 0) {
			free_net(&net);
			return -1;
		}
	}
	cfg->nets[cfg->net_count++] = net;
	return 0;
}

int config_set_rng(struct vm_config *cfg, const char *value, const char *origin,
		   const char *base_dir, struct config_error *err)
{
	(void)base_dir;
	if (strcmp(value, "true") == 0 || strcmp(value, "on") == 0)
		cfg->rng = true;
	else if (strcmp(value, "false") == 0 || strcmp(value, "off") == 0)
		cfg->rng = false;
	else
		return config_fail_expected(err, origin, "true or false", value);
	return 0;
}

int config_set_vsock(struct vm_config *cfg, const char *value, const char *origin,
		     const char *base_dir, struct config_error *err)
{
	char text[OPTION_TEXT_MAX];
	char *tokens[2];
	char *socket = NULL;
	unsigned long long cid = 0;
	int count;

	if (copy_option_text(text, value, origin, expect_vsock, err) != 0)
		return -1;
	count = split_options(text, tokens, 2);
	for (int i = 0; i < count; i++) {
		const char *cid_text = option_value(tokens[i], "cid");
		const char *path = option_value(tokens[i], "socket");
		char *end = NULL;

		if (cid_text != NULL && cid_text[0] >= '0' && cid_text[0] <= '9') {
			errno = 0;
			cid = strtoull(cid_text, &end, 10);
			if (*end != '\0' || errno != 0)
				cid = 0;
		} else if (path != NULL && socket == NULL) {
			if (config_resolve_path(path, base_dir, origin, expect_vsock, err,
						&socket) != 0)
				return -1;
		} else {
			count = -1;
			break;
		}
	}
	/* CIDs 0-2 are the hypervisor, local and host; 2^32-1 is "any". */
	if (count != 2 || socket == NULL || cid < 3 || cid > 0xfffffffeull) {
		free(socket);
		return config_fail_expected(err, origin, expect_vsock, value);
	}
	/* The per-port sockets are "<socket>_<port>": leave room for the suffix. */
	if (strlen(socket) + 6 > CONFIG_SOCKET_PATH_MAX_BYTES) {
		config_fail_expected(err, origin, "a socket path of at most 101 bytes", socket);
		free(socket);
		return -1;
	}
	free(cfg->vsock.socket);
	cfg->vsock.socket = socket;
	cfg->vsock.cid = (uint32_t)cid;
	return 0;
}

/* A path whose directory must exist for svmm to create a socket there. */
static int check_socket_dir(const char *field, const char *path, struct config_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[CONFIG_SOCKET_PATH_MAX_BYTES + 1];
	struct stat st;

	if (slash == NULL)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return config_fail(err, "%s socket \"%s\": directory \"%s\": %s", field, path, dir,
				   strerror(errno ? errno : ENOTDIR));
	return 0;
}

int config_validate_devices(const struct vm_config *cfg, struct config_error *err)
{
	for (unsigned i = 0; i < cfg->disk_count; i++) {
		struct stat st;

		/* A device disk is the board's: nothing here to look at. */
		if (cfg->disks[i].device != NULL)
			continue;
		if (stat(cfg->disks[i].path, &st) != 0)
			return config_fail(err, "disk \"%s\": %s", cfg->disks[i].path,
					   strerror(errno));
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return config_fail(err, "disk \"%s\": expected a file or block device",
					   cfg->disks[i].path);
		for (unsigned j = 0; j < i; j++) {
			if (cfg->disks[j].path != NULL &&
			    strcmp(cfg->disks[i].path, cfg->disks[j].path) == 0)
				return config_fail(err, "disk \"%s\" is given twice",
						   cfg->disks[i].path);
		}
	}
	if (cfg->vsock.socket != NULL && check_socket_dir("vsock", cfg->vsock.socket, err) != 0)
		return -1;
	return 0;
}
