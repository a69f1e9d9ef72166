/* proc_rss.h — the VMM process's resident set, read from /proc/self/statm: what the host
 * actually holds for this process (guest RAM mapped into it included), so that a balloon's
 * "memory given back" is checked against the kernel's own figure, not memvirt's bookkeeping.
 *
 * Why a parser apart from the reader: the host counters (vmm/host/host_counters.c) keep the
 * statm file open and read it every sample; the balloon reads it twice per round and opens it
 * each time. Both parse the same text here, once. */
#ifndef MEMVIRT_VMM_UTIL_PROC_RSS_H
#define MEMVIRT_VMM_UTIL_PROC_RSS_H

#include <stdint.h>

/* Resident bytes from statm's text ("size resident shared ...", in pages); 0 when unreadable. */
uint64_t statm_rss_bytes(const char *statm);
/* This process's resident bytes now; 0 when /proc/self/statm cannot be read. */
uint64_t process_rss_bytes(void);

#endif
