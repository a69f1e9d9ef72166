/* fuzz_run_spec.c — libFuzzer harness for the swap and balloon spec parsers behind `--swap
 * zram:SIZE` (vmm/cli/cli_experiment.c) and `--balloon target=SIZE[,at=TIME][,...]`
 * (balloon/balloon.c, through vmm/cli/cli_balloon.c). One harness for both: they share a shape
 * (an option value in, a configuration field or one error line naming the option out), and
 * they are reached the way the command line reaches them, through the option codes of their
 * tables. The first byte chooses the option (even: --swap, odd: --balloon); the rest is one
 * value per line, all given to one run, so --balloon's limit on targets is reached too. The
 * reclaim spec has its own harness (fuzz_reclaim_spec.c). */
#include <math.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vmm/cli/cli.h"

/* Whether one of the value's comma-separated keys is target= (the parser works on its own
 * copy, so the value is intact afterwards). */
static bool has_target(const char *v)
{
	for (const char *k = v; k; k = strchr(k, ',') ? strchr(k, ',') + 1 : NULL)
		if (strncmp(k, "target=", 7) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cli_run r; /* large: not on the stack */
	char msg[512];
	if (size < 1)
		return 0;
	bool balloon = data[0] & 1;
	const struct cli_opt *o = balloon ? cli_opts_find(cli_balloon_options, "balloon")
					  : cli_opts_find(cli_experiment_options, "swap");
	FUZZ_CHECK(o != NULL);
	cli_run_init(&r);
	char *text = (char *)fuzz_string(data + 1, size - 1), *save = NULL;
	cli_error_capture(msg, sizeof(msg));
	for (char *v = strtok_r(text, "\n", &save); v; v = strtok_r(NULL, "\n", &save)) {
		unsigned before = r.balloon.n;
		msg[0] = 0;
		int rc = balloon ? cli_balloon_option(o->code, v, &r) : cli_experiment_option(o->code, v, &r.experiment);
		if (rc != 0) {
			FUZZ_CHECK(rc == EXIT_USAGE && msg[0] && memchr(msg, 0, sizeof(msg)));
			FUZZ_CHECK(strstr(msg, balloon ? "--balloon" : "--swap") != NULL);
			FUZZ_CHECK(r.balloon.n == before);
			continue;
		}
		if (!balloon) {
			FUZZ_CHECK(r.experiment.zram_bytes >= (1ULL << 20));
			continue;
		}
		/* a value with a target= adds a step; one without only sets the balloon's switches
		 * (deflate_on_oom, protect, stats, report) */
		FUZZ_CHECK(r.balloon.n == before + (has_target(v) ? 1 : 0) && r.balloon.n <= BALLOON_MAX_STEPS);
		FUZZ_CHECK(r.cfg.balloon == &r.balloon);
		if (r.balloon.n == before)
			continue;
		const struct balloon_step *s = &r.balloon.step[r.balloon.n - 1];
		FUZZ_CHECK(isfinite(s->at_s) && s->at_s >= 0 && (s->has_at || s->at_s == 0));
	}
	cli_error_capture(NULL, 0);
	return 0;
}
