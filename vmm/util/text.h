/* text.h — text from an untrusted source made safe to print: a guest's console line with its
 * control characters escaped, and an error code a guest reports named without undefined
 * behaviour whatever its value. */
#ifndef MEMVIRT_TEXT_H
#define MEMVIRT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The len bytes of in (NUL bytes included) as printable ASCII in out (n bytes, always
 * terminated): bytes 0x20-0x7e as they are except '\', which becomes "\\"; \n, \r and \t as
 * such escapes; every other byte (ESC, other controls, DEL, bytes of 0x80 and above) as \xHH.
 * Text that does not fit is cut at a whole escape. Returns the length written. */
size_t text_escape_ctl(char *out, size_t n, const char *in, size_t len);

/* A negative errno as strerror would name it, for any 64-bit value: a value outside
 * [-4095, -1] is shown as "error code V" (in buf, n bytes). */
const char *errno_text(int64_t negative_errno, char *buf, size_t n);

#endif
