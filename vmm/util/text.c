/* text.c — printing what a guest sent without trusting it (see text.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/util/text.h"

size_t text_escape_ctl(char *out, size_t n, const char *in, size_t len)
{
	size_t used = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char esc[5];
		if (c == '\\')
			snprintf(esc, sizeof(esc), "\\\\");
		else if (c == '\n' || c == '\r' || c == '\t')
			snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		else if (c >= 0x20 && c < 0x7f)
			snprintf(esc, sizeof(esc), "%c", c);
		else
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		size_t k = strlen(esc);
		if (used + k + 1 > n)
			break;
		memcpy(out + used, esc, k);
		used += k;
	}
	out[used] = 0;
	return used;
}

const char *errno_text(int64_t negative_errno, char *buf, size_t n)
{
	if (negative_errno < 0 && negative_errno >= -4095)
		return strerror((int)-negative_errno);
	snprintf(buf, n, "error code %" PRId64, negative_errno);
	return buf;
}
