/* ksm_merge.c — memvirt's own merge engine (see ksm_merge.h). The two indexes are open-
 * addressing hash tables keyed by (hash, domain): O(1) per frame where KSM's trees are
 * O(log n) with a full compare at every node; the full compare here happens once, on a hit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ksm/ksm_merge.h"
#include "vmm/util/clock.h"

enum { ROLE_PLAIN, ROLE_SHARING, ROLE_SHARED, ROLE_ZERO };

struct ksm_merge_slot {
	uint64_t lo, hi; /* XXH3-128 of the content */
	uint64_t frame;
	unsigned domain;
	unsigned vm;     /* + 1: 0 marks an empty slot */
};

int ksm_merge_init(struct ksm_merge *m, const struct ksm_merge_ops *ops)
{
	*m = (struct ksm_merge){ .ops = *ops };
	return 0;
}

static void index_clear(struct ksm_merge_index *ix)
{
	if (ix->slot)
		memset(ix->slot, 0, ix->cap * sizeof(*ix->slot));
	ix->used = 0;
}

void ksm_merge_fini(struct ksm_merge *m)
{
	for (unsigned v = 0; v < m->nvms; v++) {
		free(m->vm[v].prev);
		free(m->vm[v].role);
	}
	free(m->vm);
	free(m->stable.slot);
	free(m->unstable.slot);
	*m = (struct ksm_merge){ 0 };
}

int ksm_merge_add_vm(struct ksm_merge *m, uint64_t frames, unsigned domain)
{
	struct ksm_merge_vm *p = realloc(m->vm, (m->nvms + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->vm = p;
	struct ksm_merge_vm *v = &p[m->nvms];
	*v = (struct ksm_merge_vm){ .frames = frames, .domain = domain, .prev = calloc(frames ? frames : 1, 8),
				    .role = calloc(frames ? frames : 1, 1) };
	if (!v->prev || !v->role) {
		free(v->prev);
		free(v->role);
		return -ENOMEM;
	}
	return (int)m->nvms++;
}

static size_t slot_of(const struct ksm_merge_index *ix, uint64_t lo, uint64_t hi, unsigned domain)
{
	size_t mask = ix->cap - 1, i = (size_t)((lo ^ (uint64_t)domain * 0x9e3779b97f4a7c15ULL) & mask);
	while (ix->slot[i].vm && !(ix->slot[i].lo == lo && ix->slot[i].hi == hi && ix->slot[i].domain == domain))
		i = (i + 1) & mask;
	return i;
}

/* Room for one more entry at a load of at most one half. */
static int index_reserve(struct ksm_merge_index *ix)
{
	if (ix->cap && (ix->used + 1) * 2 <= ix->cap)
		return 0;
	size_t cap = ix->cap ? ix->cap * 2 : 4096;
	struct ksm_merge_index n = { .slot = calloc(cap, sizeof(*n.slot)), .cap = cap };
	if (!n.slot)
		return -ENOMEM;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slot[i].vm) {
			const struct ksm_merge_slot *s = &ix->slot[i];
			n.slot[slot_of(&n, s->lo, s->hi, s->domain)] = *s;
			n.used++;
		}
	free(ix->slot);
	*ix = n;
	return 0;
}

/* An entry still usable: its frame holds the content hashed (full compare with pg). A stable
 * entry whose frame a write broke away still serves if the content is the same: merging into
 * it shares that frame again. */
static bool entry_matches(struct ksm_merge *m, const struct ksm_merge_slot *s, const void *pg)
{
	unsigned vm = s->vm - 1;
	if (m->vm[vm].gone)
		return false;
	const void *other = m->ops.page(m->ops.ctx, vm, s->frame);
	return other && memcmp(other, pg, KSM_MERGE_FRAME) == 0;
}

static int merge_into(struct ksm_merge *m, unsigned vm, uint64_t frame, const struct ksm_merge_slot *into, int role)
{
	unsigned ivm = into->vm - 1;
	int rc = m->ops.merge(m->ops.ctx, vm, frame, ivm, into->frame);
	if (rc < 0)
		return rc;
	m->vm[vm].role[frame] = (uint8_t)role;
	m->vm[vm].f.merges++;
	if (m->vm[ivm].role[into->frame] == ROLE_PLAIN)
		m->vm[ivm].role[into->frame] = ROLE_SHARED;
	return 1;
}

static void queue(struct ksm_merge *m, const struct ksm_merge_slot *key, const struct ksm_merge_slot *into,
		  bool stable, bool zero)
{
	m->todo[m->ntodo++] = (struct ksm_merge_todo){ .lo = key->lo, .hi = key->hi, .frame = key->frame,
						       .into_frame = into->frame, .vm = key->vm - 1,
						       .into_vm = into->vm - 1, .domain = key->domain,
						       .stable = stable, .zero = zero };
}

/* One frame of one VM, hashed while its VM may run: 0, or a negative errno. A merge it finds
 * is queued for ksm_merge_commit, not made: nothing here reads another frame (a full compare
 * of a running VM's frame would prove nothing) or changes a p2m. */
static int visit(struct ksm_merge *m, unsigned vm, uint64_t frame, XXH128_hash_t zero)
{
	struct ksm_merge_vm *v = &m->vm[vm];
	uint8_t *role = &v->role[frame];
	if (*role != ROLE_PLAIN) {
		if (m->ops.shared(m->ops.ctx, vm, frame))
			return 0; /* merged already: nothing to hash (it cannot change while shared) */
		*role = ROLE_PLAIN; /* a write broke it since the last pass */
		v->f.cow_breaks++;
	}
	const void *pg = m->ops.peek ? m->ops.peek(m->ops.ctx, vm, frame) : m->ops.page(m->ops.ctx, vm, frame);
	if (!pg) {
		v->prev[frame] = 0;
		return 0;
	}
	XXH128_hash_t h = XXH3_128bits(pg, KSM_MERGE_FRAME);
	v->f.scanned++;
	uint64_t was = v->prev[frame];
	v->prev[frame] = h.low64 ? h.low64 : 1;
	if (was != v->prev[frame]) {
		if (was)
			v->f.volatile_pages++;
		return 0; /* changed, or not seen before: not yet a candidate */
	}
	bool is_zero = XXH128_isEqual(h, zero);
	struct ksm_merge_slot key = { .lo = h.low64, .hi = h.high64, .frame = frame, .domain = v->domain, .vm = vm + 1 };
	int rc;
	/* the stable index: content already shared in this domain (the zero frame among it) */
	if (m->stable.cap) {
		struct ksm_merge_slot *s = &m->stable.slot[slot_of(&m->stable, h.low64, h.high64, v->domain)];
		if (s->vm - 1 == vm && s->frame == frame)
			return 0; /* this frame is the entry: a zero frame nobody joined yet */
		if (s->vm) { /* merged, or the entry replaced, at commit */
			queue(m, &key, s, true, is_zero);
			return 0;
		}
	}
	if (is_zero) { /* zero fast path: the first zero frame of a domain becomes its zero frame */
		if ((rc = index_reserve(&m->stable)) < 0)
			return rc;
		m->stable.slot[slot_of(&m->stable, h.low64, h.high64, v->domain)] = key;
		m->stable.used++;
		return 0;
	}
	/* the unstable index: an unchanged frame with this content seen earlier in this pass */
	if ((rc = index_reserve(&m->unstable)) < 0)
		return rc;
	struct ksm_merge_slot *s = &m->unstable.slot[slot_of(&m->unstable, h.low64, h.high64, v->domain)];
	if (!s->vm) {
		*s = key;
		m->unstable.used++;
		return 0;
	}
	queue(m, &key, s, false, false);
	return 0;
}

/* One queued merge, with the VMs held: 1 merged, 0 not, or a negative errno. Both frames are
 * read again (either may have changed, been unbacked or broken since it was hashed) and
 * compared in full; only then does the platform remap. */
static int commit_one(struct ksm_merge *m, const struct ksm_merge_todo *t)
{
	if (t->vm >= m->nvms || m->vm[t->vm].gone || t->frame >= m->vm[t->vm].frames ||
	    m->vm[t->vm].role[t->frame] != ROLE_PLAIN || m->ops.shared(m->ops.ctx, t->vm, t->frame))
		return 0;
	const void *pg = m->ops.page(m->ops.ctx, t->vm, t->frame);
	if (!pg)
		return 0;
	struct ksm_merge_slot key = { .lo = t->lo, .hi = t->hi, .frame = t->frame, .domain = t->domain, .vm = t->vm + 1 };
	int rc;
	if (t->stable) { /* the entry as it is now: an earlier commit may have replaced it */
		struct ksm_merge_slot *s = &m->stable.slot[slot_of(&m->stable, t->lo, t->hi, t->domain)];
		if (!s->vm || (s->vm == key.vm && s->frame == key.frame))
			return 0;
		if (entry_matches(m, s, pg))
			return merge_into(m, t->vm, t->frame, s, t->zero ? ROLE_ZERO : ROLE_SHARING);
		*s = key; /* its frame was broken or rewritten: this frame takes its place */
		return 0;
	}
	struct ksm_merge_slot into = { .lo = t->lo, .hi = t->hi, .frame = t->into_frame, .domain = t->domain,
				       .vm = t->into_vm + 1 };
	if (t->into_vm >= m->nvms || !entry_matches(m, &into, pg))
		return 0; /* the earlier frame changed meanwhile (or a collision): leave both */
	if ((rc = merge_into(m, t->vm, t->frame, &into, ROLE_SHARING)) < 0)
		return rc;
	/* the pair is now a stable node; the unstable entry stays (a tombstone would be needed to
	 * delete) and is found stale by its frame's role next time */
	if ((rc = index_reserve(&m->stable)) < 0)
		return rc;
	struct ksm_merge_slot *s = &m->stable.slot[slot_of(&m->stable, into.lo, into.hi, into.domain)];
	if (!s->vm)
		m->stable.used++;
	*s = into;
	return 1;
}

/* Recount shared/sharing/zero from the roles (breaks move frames between them). */
static void recount(struct ksm_merge *m)
{
	for (unsigned v = 0; v < m->nvms; v++) {
		struct ksm_merge_figures *f = &m->vm[v].f;
		if (m->vm[v].gone)
			continue; /* its figures as it left */
		f->shared = f->sharing = f->zero = 0;
		for (uint64_t i = 0; i < m->vm[v].frames; i++) {
			uint8_t r = m->vm[v].role[i];
			f->shared += r == ROLE_SHARED;
			f->sharing += r == ROLE_SHARING;
			f->zero += r == ROLE_ZERO;
		}
	}
}

void ksm_merge_remove_vm(struct ksm_merge *m, unsigned vm)
{
	if (vm >= m->nvms || m->vm[vm].gone)
		return;
	struct ksm_merge_vm *v = &m->vm[vm];
	v->gone = true;
	v->frames = 0;
	free(v->prev);
	free(v->role);
	v->prev = NULL;
	v->role = NULL;
}

static XXH128_hash_t zero_hash(void)
{
	static const uint8_t zero_page[KSM_MERGE_FRAME];
	return XXH3_128bits(zero_page, KSM_MERGE_FRAME);
}

void ksm_merge_begin(struct ksm_merge *m)
{
	m->c0 = thread_cpu_us();
	if (m->passes == 0)
		m->t0 = monotonic_seconds();
	index_clear(&m->unstable);
	for (unsigned v = 0; v < m->nvms; v++)
		if (!m->vm[v].gone)
			m->vm[v].f.volatile_pages = 0;
	m->cur_vm = 0;
	m->cur_frame = 0;
	m->merged = 0;
	m->ntodo = 0;
}

int ksm_merge_scan(struct ksm_merge *m, uint64_t max_frames)
{
	XXH128_hash_t zero = zero_hash();
	for (uint64_t n = 0; m->cur_vm < m->nvms; m->cur_vm++, m->cur_frame = 0) {
		for (; m->cur_frame < m->vm[m->cur_vm].frames; m->cur_frame++) {
			if (n++ == max_frames || m->ntodo == KSM_MERGE_BATCH)
				return 1;
			int rc = visit(m, m->cur_vm, m->cur_frame, zero);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int64_t ksm_merge_commit(struct ksm_merge *m)
{
	int64_t merged = 0;
	for (unsigned i = 0; i < m->ntodo; i++) {
		int rc = commit_one(m, &m->todo[i]);
		if (rc < 0) {
			m->ntodo = 0;
			return rc;
		}
		merged += rc;
	}
	m->ntodo = 0;
	m->merged += merged;
	return merged;
}

void ksm_merge_drop(struct ksm_merge *m) { m->ntodo = 0; }

int64_t ksm_merge_end(struct ksm_merge *m)
{
	m->ntodo = 0;
	recount(m);
	double cpu = (thread_cpu_us() - m->c0) * 1e-6;
	unsigned k = m->passes < KSM_MERGE_SERIES ? m->passes : KSM_MERGE_SERIES - 1;
	m->t_pass[k] = monotonic_seconds() - m->t0;
	unsigned present = 0;
	for (unsigned v = 0; v < m->nvms; v++)
		present += !m->vm[v].gone;
	for (unsigned v = 0; v < m->nvms; v++) {
		m->vm[v].saved[k] = ksm_merge_saved(&m->vm[v].f);
		if (!m->vm[v].gone && present) /* one thread scans all: its CPU split evenly */
			m->vm[v].f.scan_cpu_s += cpu / present;
	}
	m->passes++;
	return m->merged;
}

int64_t ksm_merge_pass(struct ksm_merge *m)
{
	ksm_merge_begin(m);
	int more;
	do {
		if ((more = ksm_merge_scan(m, UINT64_MAX)) < 0)
			return more;
		int64_t rc = ksm_merge_commit(m);
		if (rc < 0)
			return rc;
	} while (more > 0);
	return ksm_merge_end(m);
}

int ksm_merge_until_stable(struct ksm_merge *m, unsigned max_passes)
{
	unsigned n = 0;
	/* two passes at least: the first only records each frame's hash */
	while (n < max_passes) {
		int64_t rc = ksm_merge_pass(m);
		if (rc < 0)
			return (int)rc;
		n++;
		if (rc == 0 && n >= 2)
			break;
	}
	return (int)n;
}

void ksm_merge_figures(const struct ksm_merge *m, int vm, struct ksm_merge_figures *out)
{
	*out = (struct ksm_merge_figures){ 0 };
	uint64_t series[KSM_MERGE_SERIES] = { 0 };
	unsigned n = m->passes < KSM_MERGE_SERIES ? m->passes : KSM_MERGE_SERIES;
	for (unsigned v = 0; v < m->nvms; v++) {
		if (vm >= 0 && (unsigned)vm != v)
			continue;
		const struct ksm_merge_figures *f = &m->vm[v].f;
		out->scanned += f->scanned;
		out->shared += f->shared;
		out->sharing += f->sharing;
		out->zero += f->zero;
		out->volatile_pages += f->volatile_pages;
		out->merges += f->merges;
		out->cow_breaks += f->cow_breaks;
		out->scan_cpu_s += f->scan_cpu_s;
		for (unsigned k = 0; k < n; k++)
			series[k] += m->vm[v].saved[k];
	}
	if (n == 0)
		return;
	uint64_t last = series[n - 1];
	for (unsigned k = 0; k < n; k++)
		if (series[k] * 10 >= last * 9) {
			out->time_to_90pct_s = m->t_pass[k];
			break;
		}
}

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

json_t *ksm_merge_figures_json(const struct ksm_merge_figures *f)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:f}", "engine", "memvirt-merge", "scanned",
			 u64j(f->scanned), "shared", u64j(f->shared), "sharing", u64j(f->sharing), "zero", u64j(f->zero),
			 "volatile", u64j(f->volatile_pages), "merges", u64j(f->merges), "cow_breaks",
			 u64j(f->cow_breaks), "saved_bytes", u64j(ksm_merge_saved(f) * KSM_MERGE_FRAME), "scan_cpu_s",
			 f->scan_cpu_s, "time_to_90pct_s", f->time_to_90pct_s);
}
