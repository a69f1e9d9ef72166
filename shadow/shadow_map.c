/* shadow_map.c — u64 -> pointer hash map (see shadow_map.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "shadow/shadow_map.h"

#define MAP_EMPTY UINT64_MAX
#define MAP_MIN_CAP 64u

/* Keys are mostly 4 KiB-aligned addresses: drop the zero bits, then a multiplicative hash
 * spreads consecutive tables over the whole array. */
static size_t slot_of(const struct shadow_map *m, uint64_t key)
{
	return (size_t)(((key >> 12) * 0x9e3779b97f4a7c15ULL) >> 17) & (m->cap - 1);
}

static int alloc_slots(struct shadow_map *m, size_t cap)
{
	struct shadow_map_slot *s = malloc(cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		s[i].key = MAP_EMPTY;
	m->slot = s;
	m->cap = cap;
	m->n = 0;
	return 0;
}

int shadow_map_init(struct shadow_map *m) { return alloc_slots(m, MAP_MIN_CAP); }

void shadow_map_fini(struct shadow_map *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
}

static size_t find(const struct shadow_map *m, uint64_t key)
{
	size_t i = slot_of(m, key);
	while (m->slot[i].key != key && m->slot[i].key != MAP_EMPTY)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *shadow_map_get(const struct shadow_map *m, uint64_t key)
{
	const struct shadow_map_slot *s = &m->slot[find(m, key)];
	return s->key == key && key != MAP_EMPTY ? s->val : NULL;
}

static int grow(struct shadow_map *m)
{
	struct shadow_map old = *m;
	if (alloc_slots(m, old.cap * 2)) {
		*m = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].key != MAP_EMPTY) {
			m->slot[find(m, old.slot[i].key)] = old.slot[i];
			m->n++;
		}
	free(old.slot);
	return 0;
}

int shadow_map_put(struct shadow_map *m, uint64_t key, void *val)
{
	if (key == MAP_EMPTY)
		return -EINVAL;
	if (2 * (m->n + 1) > m->cap && grow(m))
		return -ENOMEM;
	size_t i = find(m, key);
	if (m->slot[i].key == MAP_EMPTY)
		m->n++;
	m->slot[i] = (struct shadow_map_slot){ key, val };
	return 0;
}

/* The slot at i is empty now; pull back every later entry of the same probe run that may
 * no longer be reachable from its home slot (Knuth's algorithm R). */
static void close_gap(struct shadow_map *m, size_t i)
{
	size_t mask = m->cap - 1;
	for (size_t j = (i + 1) & mask; m->slot[j].key != MAP_EMPTY; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->slot[j].key);
		/* j may move to i only if its home is not cyclically within (i, j] */
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		m->slot[i] = m->slot[j];
		m->slot[j].key = MAP_EMPTY;
		i = j;
	}
}

void shadow_map_del(struct shadow_map *m, uint64_t key)
{
	size_t i = find(m, key);
	if (m->slot[i].key != key || key == MAP_EMPTY)
		return;
	m->slot[i].key = MAP_EMPTY;
	m->n--;
	close_gap(m, i);
}
