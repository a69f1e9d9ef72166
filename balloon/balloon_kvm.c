/* balloon_kvm.c — the balloon device on kvm (see balloon_kvm.h): inflate, deflate and free
 * page reporting (BALLOON_REPORT: released like an inflate, the frames left unbacked and the
 * guest's). The handlers only move
 * bytes: they copy the entry array and the guest's statistics out of guest memory once, from
 * fixed system-area addresses (a guest-given address is never followed), and hand the copy to
 * balloon_message, which checks every entry. A refused message stops this VM only.
 *
 * Why the release checks the host page size: hugetlb memory can only be given back in whole
 * 2 MiB pages, so a 4 KiB entry there is marked ballooned in the book but keeps its host page
 * (the driver sends 2 MiB chunks whenever it can, so this is the exception).
 *
 * Why released ranges are made PROT_NONE: a guest touching a frame it gave away must be
 * stopped as a guest error, not silently given a fresh zero page (which would also undo the
 * release). With the range inaccessible, KVM cannot back the touch and KVM_RUN fails with
 * EFAULT; kvm_vcpu.c then names the frame (KVM_EXIT_MEMORY_FAULT's address) and the book says
 * it is the balloon's. The cost is one mprotect per released run (a message is usually one
 * run), measured in bench/README.md ("Balloon"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/balloon_kvm.h"
#include "ept/p2m_book.h"

struct balloon_kvm {
	struct balloon *b;
	struct kvm_vm *vm;
	struct guest_ram_handle *ram;
	uint64_t host_page;
};

/* ---- Releasing guest RAM ------------------------------------------------------------------- */

struct discard_arg {
	uint64_t off, bytes, host_page;
	bool protect;
};

/* Discard, then take every access away (PROT_NONE), so that a guest touching a frame it gave
 * away is caught by KVM (KVM_RUN fails with EFAULT; kvm_vcpu.c names the frame from the book)
 * instead of the host backing it again with zeros. */
static int discard_locked(const struct guest_ram *ram, void *arg)
{
	const struct discard_arg *a = arg;
	if (!ram->base)
		return -ENODEV; /* withdrawn: the VM is going away */
	if (a->off % a->host_page || a->bytes % a->host_page)
		return 0; /* hugetlb and a 4 KiB entry: nothing to give back alone */
	int rc = guest_ram_discard(ram, a->off, a->bytes);
	return rc < 0 || !a->protect ? rc : guest_ram_protect(ram, a->off, a->bytes, false);
}

/* Deflate: access back over the whole host pages the range lies in (on hugetlb a 4 KiB entry
 * of a chunk given back whole opens the chunk's huge page: its other frames stay ballooned in
 * the book and the map, but a touch of them is no longer caught). */
static int reopen_locked(const struct guest_ram *ram, void *arg)
{
	const struct discard_arg *a = arg;
	if (!ram->base)
		return -ENODEV;
	if (!a->protect)
		return 0;
	uint64_t lo = a->off / a->host_page * a->host_page;
	uint64_t hi = (a->off + a->bytes + a->host_page - 1) / a->host_page * a->host_page;
	return guest_ram_protect(ram, lo, hi - lo, true);
}

static int kvm_release(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen)
{
	struct balloon_kvm *bk = ctx;
	struct discard_arg a = { off, bytes, bk->host_page, !bk->b->cfg.no_protect };
	int rc = guest_ram_with(bk->ram, discard_locked, &a);
	if (rc < 0) {
		snprintf(why, whylen, "balloon: releasing guest RAM [0x%" PRIx64 ", +0x%" PRIx64 ") failed: %s", off, bytes,
			 strerror(-rc));
		return rc;
	}
	int64_t moved = p2m_book_set_range(&bk->vm->book, off, bytes, P2M_BALLOONED);
	return moved < 0 ? (int)moved : 0;
}

/* Free page reporting: released like an inflate, but the frames stay the guest's (unbacked:
 * the next touch backs them with zeroes). On hugetlb a 2 MiB chunk is one whole host page. */
static int kvm_report(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t whylen)
{
	struct balloon_kvm *bk = ctx;
	struct discard_arg a = { off, bytes, bk->host_page, false }; /* reported frames stay the guest's */
	int rc = guest_ram_with(bk->ram, discard_locked, &a);
	if (rc < 0) {
		snprintf(why, whylen, "balloon: releasing reported guest RAM [0x%" PRIx64 ", +0x%" PRIx64 ") failed: %s", off,
			 bytes, strerror(-rc));
		return rc;
	}
	if (off % bk->host_page || bytes % bk->host_page)
		return 0; /* nothing was released: the frames keep their state */
	int64_t moved = p2m_book_set_range(&bk->vm->book, off, bytes, P2M_UNBACKED);
	return moved < 0 ? (int)moved : 0;
}

static int kvm_reuse(void *ctx, uint64_t off, uint64_t bytes)
{
	struct balloon_kvm *bk = ctx;
	struct discard_arg a = { off, bytes, bk->host_page, !bk->b->cfg.no_protect };
	int rc = guest_ram_with(bk->ram, reopen_locked, &a);
	if (rc < 0)
		return rc;
	int64_t moved = p2m_book_move_range(&bk->vm->book, off, bytes, P2M_BALLOONED, P2M_UNBACKED);
	return moved < 0 ? (int)moved : 0;
}

static const char *kvm_area(void *ctx, uint64_t gpa)
{
	const struct kvm_layout *l = &((struct balloon_kvm *)ctx)->vm->layout;
	if (kvm_gpa_within(gpa, 1, l->sys_gpa, l->sys_bytes))
		return "the system area (boot page, boot tables, kernel image)";
	if (kvm_gpa_within(gpa, 1, l->pool_gpa, l->pool_bytes))
		return "the page-table pool";
	if (l->shadow_bytes && kvm_gpa_within(gpa, 1, l->shadow_gpa, l->shadow_bytes))
		return "the shadow area";
	if (kvm_gpa_within(gpa, 1, l->mmio_gpa, l->mmio_bytes))
		return "the MMIO window";
	return "no memory of this VM";
}

/* ---- The hypercalls ------------------------------------------------------------------------ */

static bool hc_balloon(struct kvm_vm *vm, struct balloon_kvm *bk, const struct kvm_hc_args *hc, unsigned op)
{
	uint64_t n = hc->arg[0], flags = hc->arg[1];
	if (!bk || !bk->b)
		return kvm_hc_refuse(vm, hc, "no balloon attached to this VM");
	if (n > GK_BALLOON_BATCH || flags > UINT32_MAX)
		return kvm_hc_refuse(vm, hc, "more entries than a batch holds, or unknown flags");
	uint64_t copy[GK_BALLOON_BATCH];
	struct gk_balloon_stats stats;
	const void *src = kvm_gpa_host(vm, GK_SYS_BALLOON_ENTRIES_GPA, GK_BALLOON_BATCH * sizeof(uint64_t));
	const struct gk_balloon_shared *sh = kvm_gpa_host(vm, GK_SYS_BALLOON_GPA, sizeof(*sh));
	if (!src || !sh)
		return kvm_hc_refuse(vm, hc, "the balloon's system pages are missing");
	memcpy(copy, src, n * sizeof(uint64_t));
	memcpy(&stats, &sh->stats, sizeof(stats));
	char why[256];
	int rc = balloon_message(bk->b, op, copy, (uint32_t)n, (uint32_t)flags, &stats, why, sizeof(why));
	if (rc == -EINVAL || rc == -EFAULT || rc == -ENODEV)
		return kvm_hc_refuse(vm, hc, why);
	if (rc < 0) {
		kvm_vm_fail(vm, "%s", why);
		return false;
	}
	return true;
}

static bool hc_inflate(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)ret;
	return hc_balloon(vm, state, hc, GK_BALLOON_INFLATE);
}

static bool hc_deflate(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)ret;
	return hc_balloon(vm, state, hc, GK_BALLOON_DEFLATE);
}

static bool hc_report(struct kvm_vm *vm, void *state, const struct kvm_hc_args *hc, int64_t *ret)
{
	(void)ret;
	return hc_balloon(vm, state, hc, GK_BALLOON_REPORT);
}

static int dev_init(struct kvm_vm *vm, void **state, char *msg, size_t msglen)
{
	(void)msg, (void)msglen;
	struct balloon_kvm *bk = calloc(1, sizeof(*bk));
	if (!bk)
		return -ENOMEM;
	bk->vm = vm;
	*state = bk;
	return 0;
}

static void dev_fini(struct kvm_vm *vm, void *state)
{
	(void)vm;
	free(state);
}

static const struct kvm_hypercall balloon_calls[] = {
	{ GK_HC_BALLOON_INFLATE, "BALLOON_INFLATE", hc_inflate, false },
	{ GK_HC_BALLOON_DEFLATE, "BALLOON_DEFLATE", hc_deflate, false },
	{ GK_HC_BALLOON_REPORT, "BALLOON_REPORT", hc_report, false },
};

const struct kvm_device balloon_kvm_device = {
	.name = "balloon",
	.calls = balloon_calls,
	.ncalls = sizeof(balloon_calls) / sizeof(balloon_calls[0]),
	.init = dev_init,
	.fini = dev_fini,
};

/* ---- Attaching ----------------------------------------------------------------------------- */

int balloon_kvm_attach(struct balloon *b, struct kvm_vm *vm, struct guest_ram_handle *ram)
{
	struct balloon_kvm *bk = kvm_device_state(vm, &balloon_kvm_device);
	volatile struct gk_balloon_shared *sh = kvm_gpa_host(vm, GK_SYS_BALLOON_GPA, sizeof(*sh));
	if (!bk || !sh)
		return -ENODEV;
	if (!ram)
		return -EINVAL;
	bk->ram = ram;
	bk->host_page = guest_mem_page(&vm->ram.mem);
	struct balloon_backend be = { .release = kvm_release, .reuse = kvm_reuse, .area = kvm_area, .report = kvm_report,
				      .ctx = bk };
	int rc = balloon_attach(b, vm->ram.gpa, vm->ram.bytes, sh, &be);
	if (rc == 0)
		bk->b = b;
	return rc;
}

void balloon_kvm_detach(struct balloon *b, struct kvm_vm *vm)
{
	struct balloon_kvm *bk = kvm_device_state(vm, &balloon_kvm_device);
	balloon_detach(b);
	if (bk)
		bk->b = NULL;
}
