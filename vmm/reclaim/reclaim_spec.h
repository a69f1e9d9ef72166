/* reclaim_spec.h — one scheduled act of host reclaim on guest RAM, as given to
 * `--reclaim SPEC` (syntax in docs/reclaim.md):
 *
 *   discard:at=TIME[,frac=F | ,range=OFFSET+LENGTH][,pattern=seq|random][,seed=N]
 *   pageout:at=TIME[,frac=F | ,range=OFFSET+LENGTH][,pattern=seq|random][,seed=N]
 *   limit:at=TIME,bytes=SIZE[,until=TIME]
 *
 * TIME is measured from the start of the workload's measured phase ("1s", "250ms", "500us";
 * a bare number is milliseconds). The parser is pure: no host state is looked at here. */
#ifndef MEMVIRT_RECLAIM_SPEC_H
#define MEMVIRT_RECLAIM_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The largest bytes=, offset and length a spec takes (1024 TiB): beyond any host, and within
 * the signed JSON integers the result records them as. */
#define RECLAIM_MAX_BYTES (1ULL << 50)

enum reclaim_kind { RECLAIM_DISCARD, RECLAIM_PAGEOUT, RECLAIM_LIMIT };
enum reclaim_pattern { RECLAIM_SEQ, RECLAIM_RANDOM };

struct reclaim_spec {
	enum reclaim_kind kind;
	uint64_t at_us;        /* after the measured phase starts */
	/* discard, pageout: which part of guest RAM */
	double frac;           /* fraction of guest RAM (default 1) when no range is given */
	uint64_t offset, length; /* range=OFFSET+LENGTH in bytes; length 0 = use frac */
	enum reclaim_pattern pattern;
	uint64_t seed;         /* pattern=random */
	/* limit */
	uint64_t limit_bytes;
	uint64_t until_us;     /* raise the limit again; 0 = at the end of the run */
};

/* Parses SPEC. Returns 0, or -EINVAL with a one-line reason (naming the bad key or value)
 * in why[whylen]. */
int reclaim_spec_parse(const char *spec, struct reclaim_spec *out, char *why, size_t whylen);

const char *reclaim_kind_name(enum reclaim_kind k);

/* The spec as a JSON object (for config.reclaim[] in the result). */
json_t *reclaim_spec_json(const struct reclaim_spec *s);

#endif
