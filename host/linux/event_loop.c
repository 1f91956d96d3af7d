/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define EVENT_BATCH 16

int event_loop_init(struct event_loop *loop)
{
	loop->stop = false;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epoll_fd < 0 ? -errno : 0;
}

void event_loop_fini(struct event_loop *loop)
{
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	loop->epoll_fd = -1;
}

int event_loop_add(struct event_loop *loop, struct event_source *source)
{
	struct epoll_event event = {.events = EPOLLIN, .data.ptr = source};

	return epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, source->fd, &event) < 0 ? -errno : 0;
}

void event_loop_remove(struct event_loop *loop, struct event_source *source)
{
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, source->fd, NULL);
}

void event_loop_watch(struct event_loop *loop, struct event_source *source, bool watch)
{
	struct epoll_event event = {.events = watch ? EPOLLIN : 0, .data.ptr = source};

	epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, source->fd, &event);
}

int event_loop_set_events(struct event_loop *loop, struct event_source *source, uint32_t events)
{
	struct epoll_event event = {.events = events, .data.ptr = source};

	return epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, source->fd, &event) < 0 ? -errno : 0;
}

int event_loop_run(struct event_loop *loop)
{
	struct epoll_event events[EVENT_BATCH];

	while (!loop->stop) {
		int count = epoll_wait(loop->epoll_fd, events, EVENT_BATCH, -1);

		if (count < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < count && !loop->stop; i++) {
			struct event_source *source = events[i].data.ptr;

			source->on_event(source, events[i].events);
		}
	}
	return 0;
}

void event_loop_stop(struct event_loop *loop)
{
	loop->stop = true;
}

void event_drain(int fd)
{
	uint64_t count;

	while (read(fd, &count, sizeof(count)) == (ssize_t)sizeof(count))
		;
}

int event_timer_create(struct event_source *source)
{
	source->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return source->fd < 0 ? -errno : 0;
}

void event_timer_arm(struct event_source *source, unsigned delay_ms)
{
	struct itimerspec current,
	    deadline = {
		.it_value = {.tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000L},
	    };

	if (timerfd_gettime(source->fd, &current) == 0 &&
	    (current.it_value.tv_sec != 0 || current.it_value.tv_nsec != 0))
		return;
	timerfd_settime(source->fd, 0, &deadline, NULL);
}
