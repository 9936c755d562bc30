/*
 * The text wire (PROTOCOL.md): one request per line of space-separated
 * lower-case hex numbers, one response line per case.  It was the only
 * wire before the binary one and stays runnable beside it (`--wire text`),
 * so that the two can be compared case for case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

u64 vl_text_field(struct vl_parser *ps, const char *what)
{
	u64 v = 0;
	int digits = 0, d;

	if (ps->p >= ps->end || *ps->p != ' ')
		vl_malformed(ps, "expected ' ' and then %s", what);
	ps->p++;
	while (ps->p < ps->end && (d = hex_value(*ps->p)) >= 0) {
		if (digits == 16)
			vl_malformed(ps, "%s has more than 16 hex digits", what);
		v = v << 4 | (u64)d;
		digits++;
		ps->p++;
	}
	if (!digits)
		vl_malformed(ps, "expected %s (hex)", what);
	return v;
}

/* Every field takes at least 2 characters. */
size_t vl_text_count(struct vl_parser *ps, const char *what, size_t fields)
{
	u64 n = vl_text_field(ps, what);

	if (n > (u64)(ps->end - ps->p) / (2 * fields))
		vl_malformed(ps, "%s %llx: the line is too short for that many entries",
			     what, (unsigned long long)n);
	return (size_t)n;
}

/* ' ', then exactly n bytes as 2n hex digits. */
void vl_text_bytes_field(struct vl_parser *ps, u64 addr, size_t n)
{
	unsigned char chunk[256];
	size_t done = 0, k;
	int hi, lo;

	if (ps->p >= ps->end || *ps->p != ' ')
		vl_malformed(ps, "expected ' ' and then the write's bytes");
	ps->p++;
	if ((size_t)(ps->end - ps->p) < 2 * n)
		vl_malformed(ps, "the write at %llx has fewer than %zx bytes",
			     (unsigned long long)addr, n);
	while (done < n) {
		size_t m = n - done < sizeof(chunk) ? n - done : sizeof(chunk);

		for (k = 0; k < m; k++) {
			hi = hex_value(ps->p[0]);
			lo = hex_value(ps->p[1]);
			if (hi < 0 || lo < 0)
				vl_malformed(ps, "the write's bytes must be hex digits");
			chunk[k] = (unsigned char)(hi << 4 | lo);
			ps->p += 2;
		}
		if (vl_user_write(addr + done, chunk, m))
			vl_malformed(ps, "the write at %llx+%zx lands outside the mapped ranges",
				     (unsigned long long)addr, n);
		done += m;
	}
	if (ps->p < ps->end && *ps->p != ' ')
		vl_malformed(ps, "the write at %llx has more than %zx bytes",
			     (unsigned long long)addr, n);
}

char *vl_text_put(char *p, u64 v)
{
	*p++ = ' ';
	return vl_put_hex(p, v);
}

char *vl_text_response_start(char *p, int bug)
{
	static const char *const words[] = { "R ok", "R bug", "R hang" };
	size_t n = strlen(words[bug]);

	memcpy(p, words[bug], n);
	return p + n;
}

char *vl_text_response_end(char *p)
{
	*p++ = '\n';
	return p;
}

int vl_text_serve(void)
{
	static char inbuf[1 << 16];
	struct vl_parser ps = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	while ((n = getline(&line, &cap, stdin)) > 0) {
		ps.lineno++;
		ps.line = line;
		ps.p = line;
		ps.end = line + n;
		if (line[n - 1] != '\n')
			vl_malformed(&ps, "the last line has no newline");
		ps.end--;
		if (n == 2 && line[0] == 'Q')
			break;
		if (n == 2 && line[0] == 'F') {
			vl_out_flush();
			continue;
		}
		if (line[0] != 'C')
			vl_malformed(&ps, "expected a request C, F or Q");
		ps.p++;
		vl_serve_case(&ps);
	}
	if (ferror(stdin)) {
		perror("vhostlog-worker: stdin");
		vl_out_flush();
		return 3;
	}
	free(line);
	return 0;
}
