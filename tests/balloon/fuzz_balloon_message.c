/* fuzz_balloon_message.c — a libFuzzer harness for the balloon device's message decoder
 * (balloon_message, balloon/balloon.c), the code every guest-given balloon entry goes through
 * on sim and kvm. An input is a sequence of messages, each `op, flags, n` (one byte each) then
 * up to n little-endian u64 entries, applied to one balloon over 8 MiB of guest RAM at 1 GiB
 * whose backend only records what it is asked, with free page reporting on (op 3, REPORT). What
 * must hold whatever the guest sends: every range the backend sees lies inside RAM, 4 KiB
 * aligned, is released only when not ballooned before and reused only when it was; a reported
 * range is 2 MiB aligned, whole 2 MiB chunks, and holds no ballooned frame; after every message the count never exceeds RAM and
 * equals inflated - deflated; after the input the map equals the backend's view bit for bit.
 *
 * Built by scripts/fuzz-balloon.sh with clang -fsanitize=fuzzer,address,undefined; the seed
 * corpus is tests/balloon/fuzz_corpus/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/balloon.h"

#define RAM_GPA (1ULL << 30)
#define RAM (8ULL << 20)
#define FRAMES (RAM / 4096)

static uint8_t shadow_map[FRAMES]; /* the harness's own idea of what is ballooned */

static void check(int ok)
{
	if (!ok)
		abort();
}

static int f_release(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t n)
{
	(void)ctx, (void)why, (void)n;
	check(off % 4096 == 0 && bytes % 4096 == 0 && bytes > 0 && off < RAM && bytes <= RAM - off);
	for (uint64_t f = off / 4096; f < (off + bytes) / 4096; f++) {
		check(!shadow_map[f]);
		shadow_map[f] = 1;
	}
	return 0;
}

static int f_reuse(void *ctx, uint64_t off, uint64_t bytes)
{
	(void)ctx;
	check(off % 4096 == 0 && bytes % 4096 == 0 && bytes > 0 && off < RAM && bytes <= RAM - off);
	for (uint64_t f = off / 4096; f < (off + bytes) / 4096; f++) {
		check(shadow_map[f]);
		shadow_map[f] = 0;
	}
	return 0;
}

static int f_report(void *ctx, uint64_t off, uint64_t bytes, char *why, size_t n)
{
	(void)ctx, (void)why, (void)n;
	check(off % (2 << 20) == 0 && bytes % (2 << 20) == 0 && bytes > 0 && off < RAM && bytes <= RAM - off);
	for (uint64_t f = off / 4096; f < (off + bytes) / 4096; f++)
		check(!shadow_map[f]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct balloon b;
	struct balloon_config c = { 0 };
	struct balloon_backend be = { .release = f_release, .reuse = f_reuse, .report = f_report, .ctx = NULL };
	memset(shadow_map, 0, sizeof(shadow_map));
	balloon_init(&b, &c);
	check(balloon_attach(&b, RAM_GPA, RAM, NULL, &be) == 0);
	/* reporting on without report=on's epoch thread (a thread per input would be most of the
	 * cost): the decoder only looks at the control area's flag */
	b.shared->flags |= GK_BALLOON_REPORTING;
	size_t i = 0;
	while (i + 3 <= size) {
		unsigned op = data[i] % 4, flags = data[i + 1] % 8, n = data[i + 2];
		i += 3;
		if (n == 255)
			n = GK_BALLOON_BATCH + 1; /* one beyond the batch */
		uint64_t e[GK_BALLOON_BATCH + 1] = { 0 };
		unsigned have = 0;
		for (; have < n && i + 8 <= size; have++, i += 8) {
			uint64_t v = 0;
			for (unsigned k = 0; k < 8; k++)
				v |= (uint64_t)data[i + k] << (8 * k);
			/* fold most entries into RAM's neighbourhood, so that accepted ones are common */
			if (v >> 63)
				v = RAM_GPA - (4ULL << 20) + (v & ((RAM + (8ULL << 20)) - 1));
			e[have] = v;
		}
		char why[256];
		(void)balloon_message(&b, op, e, have, flags, NULL, why, sizeof(why));
		check(b.frames <= FRAMES && b.inflated_frames - b.deflated_frames == b.frames);
	}
	uint64_t set = 0; /* the whole map once per input: per message it would dominate */
	for (uint64_t f = 0; f < FRAMES; f++) {
		set += shadow_map[f];
		check(((b.map[f / 64] >> (f % 64)) & 1) == shadow_map[f]);
	}
	check(set == b.frames);
	balloon_detach(&b);
	balloon_fini(&b);
	return 0;
}
