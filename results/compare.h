/* compare.h — run a list of workloads natively and under both paging strategies on one
 * platform, and tabulate the counters that explain the difference (`memvirt compare`,
 * and the demo). */
#ifndef MEMVIRT_COMPARE_H
#define MEMVIRT_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "results/result.h"

#define COMPARE_MAX_WORKLOADS 8

struct compare_row {
	const struct wl_workload *workload;
	struct run_result native, ept, shadow;
	/* with_sim: the same workload on sim, so that modeled figures sit beside measured ones */
	struct run_result sim_ept, sim_shadow;
};

struct compare {
	struct run_config base;   /* platform, geometry, sizes; workload/mmu set per run */
	size_t n;
	struct compare_row rows[COMPARE_MAX_WORKLOADS];
	const char *out_dir;      /* per-run JSON files go here when set */
	bool with_sim;            /* set by compare_run: the platform is not sim (kvm) */
};

void compare_print(const struct compare *c, FILE *f);
json_t *compare_to_json(const struct compare *c);
int compare_write_csv(const struct compare *c, const char *path);
/* One self-contained HTML page: the table and an SVG bar chart of modeled cycles. */
int compare_write_html(const struct compare *c, const char *path);
/* The run whose modeled cycles stand for a strategy: the platform's own on sim, the sim
 * rows on kvm (a real VM has no modeled cycles). */
static inline const struct run_result *compare_modeled(const struct compare *c, const struct compare_row *r,
						       bool shadow)
{
	return c->with_sim ? (shadow ? &r->sim_shadow : &r->sim_ept) : (shadow ? &r->shadow : &r->ept);
}

/* The MMU columns of one run as text, "-" where the platform cannot count them (on kvm the
 * hardware's TLB and walks are not observable, and nothing is modeled): zero would lie. */
struct compare_mmu_cells {
	char tlb_misses[24], walks[24], refs_per_walk[16], modeled_cycles[24];
};
void compare_mmu_cells(const struct run_result *r, struct compare_mmu_cells *out);

/* compare_costs.c (with_sim): each exit reason's count and measured cost (VMM handler, guest
 * round trip) beside sim's count and modeled cycles — as a text table, JSON rows and an HTML
 * table. */
void compare_print_costs(const struct compare *c, FILE *f);
json_t *compare_costs_json(const struct compare *c);
void compare_html_costs(FILE *f, const struct compare *c);

#endif
