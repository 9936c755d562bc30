/*
 * The line protocol the simulator's drivers (sim.c, chains.c) share with
 * the .NET side: one command per line in, one answer per line out, flushed
 * at once because the caller waits for each answer; numbers are hex.
 * Included by one driver per executable, hence the static definitions.
 */
#ifndef VL_LINE_PROTOCOL_H
#define VL_LINE_PROTOCOL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

__attribute__((__format__(__printf__, 1, 2)))
static void answer(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A command the driver cannot carry out: the caller reports it and stops. */
#define fail(...) do { answer("err " __VA_ARGS__); return; } while (0)

/* The next space-separated hex number of *p; false when there is none. */
static bool parse_u64(char **p, u64 *v)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	errno = 0;
	*v = strtoull(*p, &end, 16);
	if (errno || end == *p)
		return false;
	*p = end;
	return true;
}

/*
 * The next command, without its newline: 1, or 0 at the end of input, or
 * -1 (after saying so on stderr) when a line does not fit, which only a
 * caller that broke the protocol sends.
 */
static int read_command(char *line, size_t size, const char *driver)
{
	size_t n;

	if (!fgets(line, (int)size, stdin))
		return 0;
	n = strlen(line);
	if (n && line[n - 1] == '\n') {
		line[--n] = '\0';
		return 1;
	}
	if (n == size - 1) {
		fprintf(stderr, "%s: a line is longer than %zu bytes\n", driver, size - 1);
		return -1;
	}
	return 1;
}

#endif
