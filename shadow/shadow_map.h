/* shadow_map.h — a small hash map from 64-bit keys (table addresses) to pointers, for the
 * shadow MMU's two indexes: shadow table -> its metadata, guest table -> the shadow tables
 * that shadow it. Open addressing with linear probing and backward-shift deletion, so a
 * lookup never walks tombstones; it doubles when half full. Every operation is O(1)
 * expected. UINT64_MAX is not a valid key (it marks empty slots). */
#ifndef MEMVIRT_SHADOW_MAP_H
#define MEMVIRT_SHADOW_MAP_H

#include <stddef.h>
#include <stdint.h>

struct shadow_map_slot {
	uint64_t key;
	void *val;
};

struct shadow_map {
	struct shadow_map_slot *slot;
	size_t cap; /* power of two */
	size_t n;
};

/* 0 or -ENOMEM. */
int shadow_map_init(struct shadow_map *m);
void shadow_map_fini(struct shadow_map *m);
/* The value stored under key, or NULL. */
void *shadow_map_get(const struct shadow_map *m, uint64_t key);
/* Insert or replace: 0, -ENOMEM (the map is unchanged), -EINVAL (key UINT64_MAX). */
int shadow_map_put(struct shadow_map *m, uint64_t key, void *val);
/* Remove key if present. */
void shadow_map_del(struct shadow_map *m, uint64_t key);

#endif
