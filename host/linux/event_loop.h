/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An epoll event loop. Callers embed a struct event_source in their own
 * objects, so registering a file descriptor allocates nothing.
 */
#ifndef SVMM_HOST_LINUX_EVENT_LOOP_H
#define SVMM_HOST_LINUX_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct event_source;
typedef void (*event_fn)(struct event_source *source, uint32_t events);

struct event_source {
	int fd;
	event_fn on_event;
	void *ctx;
};

struct event_loop {
	int epoll_fd;
	bool stop;
};

int event_loop_init(struct event_loop *loop);
void event_loop_fini(struct event_loop *loop);

/* Watches source->fd for input (EPOLLIN). 0 or -errno. */
int event_loop_add(struct event_loop *loop, struct event_source *source);
void event_loop_remove(struct event_loop *loop, struct event_source *source);

/* Stops or resumes watching a registered source (to apply back-pressure). */
void event_loop_watch(struct event_loop *loop, struct event_source *source, bool watch);

/* Dispatches events until event_loop_stop(); 0 or -errno. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

/* A periodic timer (timerfd) delivering to `source`; 0 or -errno. */
int event_timer_init(struct event_source *source, unsigned period_ms);

/* Consumes a timer's or eventfd's counter so it stops being readable. */
void event_drain(int fd);

#endif
