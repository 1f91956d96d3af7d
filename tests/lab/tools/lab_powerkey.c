/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lab_powerkey: waits for a press of KEY_POWER on any /dev/input/event*
 * device and exits 0, so the guest's init can power off, as a desktop's
 * logind or acpid would. Built static for aarch64 and put in the guest.
 *
 *   lab_powerkey    prints SVMM-GUEST-POWER-KEY-READY once a device with
 *                   KEY_POWER is open, then SVMM-GUEST-POWER-KEY when pressed
 *
 * Devices appear when their driver binds (gpio-keys is a module), so the
 * directory is scanned again while none with the key is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_DEVICES 32

static bool has_power_key(int fd)
{
	unsigned char keys[KEY_MAX / 8 + 1] = {0};

	if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) < 0)
		return false;
	return (keys[KEY_POWER / 8] >> (KEY_POWER % 8)) & 1;
}

/* Opens every event device with the key not open yet; returns how many are open. */
static int scan(struct pollfd *fds, bool *open_slot)
{
	int count = 0;

	for (int i = 0; i < MAX_DEVICES; i++) {
		char path[64];
		int fd;

		if (open_slot[i]) {
			count++;
			continue;
		}
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!has_power_key(fd)) {
			close(fd);
			continue;
		}
		fds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
		open_slot[i] = true;
		count++;
	}
	return count;
}

int main(void)
{
	struct pollfd fds[MAX_DEVICES];
	bool open_slot[MAX_DEVICES] = {false};
	bool ready = false;

	for (int i = 0; i < MAX_DEVICES; i++)
		fds[i] = (struct pollfd){.fd = -1};
	for (;;) {
		if (!ready && scan(fds, open_slot) > 0) {
			ready = true;
			printf("SVMM-GUEST-POWER-KEY-READY\n");
			fflush(stdout);
		}
		if (poll(fds, MAX_DEVICES, ready ? -1 : 200) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < MAX_DEVICES; i++) {
			struct input_event ev;

			if (fds[i].fd < 0 || !(fds[i].revents & POLLIN))
				continue;
			while (read(fds[i].fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
				if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
					printf("SVMM-GUEST-POWER-KEY\n");
					fflush(stdout);
					return 0;
				}
			}
		}
	}
}
