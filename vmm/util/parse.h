/* parse.h — strict parsing of command-line values. Every parser rejects trailing garbage,
 * signs, overflow and empty strings with a negative errno, so the CLI can name the bad value. */
#ifndef MEMVIRT_PARSE_H
#define MEMVIRT_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* A byte count with an optional k, m, g or t suffix (powers of 1024, either case, optional
 * trailing 'b' or 'ib'): "4096", "64m", "1G", "2MiB". */
int parse_size(const char *s, uint64_t *out);
/* A non-negative integer: decimal (leading zeros allowed, never octal: "010" is 10), or
 * hexadecimal after 0x or 0X ("0x1f"). */
int parse_u64(const char *s, uint64_t *out);
/* A duration with a unit: "1s", "1.5s", "250ms", "500us" (no unit: milliseconds), in µs. */
int parse_duration_us(const char *s, uint64_t *out);
/* A finite non-negative decimal number such as "0.5" or "5". */
int parse_double(const char *s, double *out);
/* on/off, yes/no, true/false, 1/0. */
int parse_bool(const char *s, bool *out);
/* Index of `s` in a NULL-terminated list of words, or -EINVAL. */
int parse_choice(const char *s, const char *const *words);

#endif
