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

/*
 * Watches a registered source for exactly `events` (EPOLLIN, EPOLLOUT or
 * both), for sources that also wait to write. Hang-ups and errors are
 * reported whatever the mask, even 0: remove a source that must stay quiet.
 * 0 or -errno.
 */
int event_loop_set_events(struct event_loop *loop, struct event_source *source, uint32_t events);

/* Dispatches events until event_loop_stop(); 0 or -errno. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

/* A one-shot timer (timerfd), disarmed until event_timer_arm(); 0 or -errno. */
int event_timer_create(struct event_source *source);

/*
 * Fires the timer once, `delay_ms` from now, unless it is already armed (so
 * frequent callers do not push the deadline out). Safe from any thread.
 */
void event_timer_arm(struct event_source *source, unsigned delay_ms);

/* Consumes a timer's or eventfd's counter so it stops being readable. */
void event_drain(int fd);

#endif
