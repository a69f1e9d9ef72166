/* kvm_stats.h — KVM's binary statistics (KVM_GET_STATS_FD) of a VM and its vCPU, read when the
 * window opens (before the guest runs), at the start and the end of the measured phase, and
 * when the guest has stopped; the deltas of the cumulative counters go into the result's
 * kvm_stats{} ("vm.<name>", "vcpu.<name>") for the measured phase and phases.setup/check
 * .kvm_stats{} for the others. Hosts without the capability give an empty set, never an error. */
#ifndef MEMVIRT_VMM_KVM_STATS_H
#define MEMVIRT_VMM_KVM_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "results/result.h"
#include "vmm/kvm/kvm_vm.h"

#define KVM_STATS_MAX 256

/* One stats fd: which of its values are single cumulative counters, and where they live. */
struct kvm_stats_source {
	int fd;
	const char *prefix;   /* "vm" or "vcpu" */
	uint64_t data_offset;
	unsigned n;
	struct {
		char name[48];
		uint32_t offset; /* bytes from data_offset */
	} stat[KVM_STATS_MAX];
};

/* The four reads: window opened, measured phase begun and ended, guest stopped. */
enum { KVM_STATS_OPEN, KVM_STATS_BEGIN, KVM_STATS_END, KVM_STATS_FINAL, KVM_STATS_READS };
struct kvm_stats_window {
	struct kvm_stats_source src[2];
	uint64_t v[KVM_STATS_READS][2][KVM_STATS_MAX];
	bool have[KVM_STATS_READS];
};

void kvm_stats_window_open(struct kvm_stats_window *w, struct kvm_vm *vm);
void kvm_stats_window_begin(struct kvm_stats_window *w, struct kvm_vm *vm);
void kvm_stats_window_end(struct kvm_stats_window *w, struct kvm_vm *vm);
void kvm_stats_window_final(struct kvm_stats_window *w, struct kvm_vm *vm);
/* Deltas into res->kvm_stats (nothing when the measured phase did not end) and into
 * res->phases[].kvm_stats (a mark never reached counts as the final read). */
void kvm_stats_window_result(const struct kvm_stats_window *w, struct run_result *res);
void kvm_stats_window_close(struct kvm_stats_window *w);

#endif
