/* util.h — small language helpers every folder may use (mmu/ is the bottom of the tree:
 * everything, the freestanding guest kernel included, already includes mmu/ headers). Header
 * only, no library and no includes, so including it adds no dependency. */
#ifndef MEMVIRT_MMU_UTIL_H
#define MEMVIRT_MMU_UTIL_H

/* 0, or a compile error when a is a pointer rather than an array (GCC and Clang). */
#if defined(__GNUC__) && !defined(__cplusplus)
#define MEMVIRT_MUST_BE_ARRAY(a)                                                                   \
	(0 * sizeof(struct {                                                                       \
		int must_be_array : 1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])); \
	}))
#else
#define MEMVIRT_MUST_BE_ARRAY(a) 0
#endif

/* Elements in array a (an array, not a pointer to one: that does not compile). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + MEMVIRT_MUST_BE_ARRAY(a))

#endif
