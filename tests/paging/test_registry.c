/* test_registry.c — the paging-strategy registry: every strategy is found by its exact name
 * and only by it, each carries the second-dimension map the machine needs, names are unique,
 * and the joined list for messages is what the CLI prints (truncated safely when short). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "paging/registry.h"

static void test_find_by_exact_name(void **st)
{
	(void)st;
	const struct mmu_strategy_ops *ept = mmu_strategy_find("ept"), *sh = mmu_strategy_find("shadow");
	assert_non_null(ept);
	assert_non_null(sh);
	assert_string_equal(ept->name, "ept");
	assert_string_equal(sh->name, "shadow");
	assert_ptr_equal(mmu_strategies[0], ept); /* the default comes first */
	assert_false(ept->pt_writes_trap);
	assert_true(sh->pt_writes_trap);
	assert_null(mmu_strategy_find("none"));
	assert_null(mmu_strategy_find("EPT"));
	assert_null(mmu_strategy_find("shadowx"));
	assert_null(mmu_strategy_find(""));
	assert_null(mmu_strategy_find(NULL));
}

static void test_every_strategy_is_complete(void **st)
{
	(void)st;
	for (size_t i = 0; mmu_strategies[i]; i++) {
		const struct mmu_strategy_ops *s = mmu_strategies[i];
		assert_non_null(s->fill);
		assert_non_null(s->pt_write);
		assert_non_null(s->cr3_load);
		assert_non_null(s->invlpg);
		assert_non_null(s->p2m);
		assert_non_null(s->p2m->create);
		assert_non_null(s->p2m->destroy);
		assert_non_null(s->p2m->lookup);
		assert_non_null(s->p2m->back);
		assert_ptr_equal(mmu_strategy_find(s->name), s);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(mmu_strategies[j]->name, s->name);
	}
}

static void test_names(void **st)
{
	(void)st;
	char buf[64], tiny[5];
	assert_int_equal(mmu_strategy_names(buf, sizeof(buf), " or "), strlen("ept or shadow"));
	assert_string_equal(buf, "ept or shadow");
	assert_int_equal(mmu_strategy_names(buf, sizeof(buf), "|"), strlen("ept|shadow"));
	assert_string_equal(buf, "ept|shadow");
	assert_int_equal(mmu_strategy_names(tiny, sizeof(tiny), "|"), strlen("ept|shadow"));
	assert_string_equal(tiny, "ept|");
	assert_int_equal(mmu_strategy_names(NULL, 0, "|"), strlen("ept|shadow"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_by_exact_name),
		cmocka_unit_test(test_every_strategy_is_complete),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
