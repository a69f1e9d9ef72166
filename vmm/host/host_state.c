/* host_state.c — zram swap and a memory cgroup for a run, with their janitor (see
 * host_state.h). */
#include <stdio.h>
#include <string.h>

#include "vmm/host/host_state.h"

static void janitor_note_memcg(struct host_state *s)
{
	bool v1 = s->memcg.version == 1;
	janitor_note_cgroup(s->janitor, s->memcg.path, v1 ? "memory.limit_in_bytes" : "memory.max", v1 ? "-1" : "max");
}

/* Host state is restored: our own janitor ends; a lent one forgets it (its owner still needs
 * it for the run's record). */
static void janitor_release(struct host_state *s)
{
	if (s->janitor == &s->own_janitor)
		janitor_done(s->janitor);
	else
		janitor_note_restored(s->janitor);
}

int host_state_begin(struct host_state *s, uint64_t zram_bytes, bool memcg, struct janitor *lent, char *why, size_t n)
{
	int rc = 0;
	*s = (struct host_state){ .own_janitor = { .fd = -1 } };
	s->janitor = lent ? lent : &s->own_janitor;
	if (!zram_bytes && !memcg)
		return 0;
	if (!lent && (rc = janitor_start(s->janitor)) < 0)
		return snprintf(why, n, "cannot start the host-state janitor: %s", strerror(-rc)), rc;
	s->began = true;
	if (zram_bytes && (rc = zram_swap_setup(&s->zram, zram_bytes, why, n)) < 0) {
		janitor_release(s);
		s->began = false;
		return rc;
	}
	if (s->zram.sized)
		janitor_note_zram(s->janitor);
	if (memcg) {
		if ((rc = memcg_enter(&s->memcg, why, n)) < 0) {
			zram_swap_teardown(&s->zram);
			janitor_release(s);
			s->began = false;
			return rc;
		}
		s->in_memcg = true;
		janitor_note_memcg(s);
	}
	return 0;
}

void host_state_end(struct host_state *s)
{
	int rc;
	if (!s->began)
		return;
	if (s->in_memcg && (rc = memcg_leave(&s->memcg)) < 0) {
		fprintf(stderr, "memvirt: could not remove memory cgroup %s: %s (remove it by hand)\n", s->memcg.path,
			strerror(-rc));
		s->teardown_rc = rc;
	}
	s->in_memcg = s->memcg.created;
	if ((rc = zram_swap_teardown(&s->zram)) < 0) {
		fprintf(stderr, "memvirt: could not switch off zram swap /dev/zram0: %s (swapoff and reset it by hand)\n",
			strerror(-rc));
		s->teardown_rc = rc;
	}
	if (s->teardown_rc && s->janitor == &s->own_janitor)
		janitor_abandon(s->janitor); /* it keeps trying after we are gone */
	else if (!s->teardown_rc)
		janitor_release(s); /* (a lent janitor not released keeps what to undo: its owner abandons it) */
	s->began = false;
}
