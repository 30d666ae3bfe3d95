/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the core's log (log.c): the formatter the core carries
 * instead of a C library, and log lines filtered by level and named by
 * the platform.
 */
#include "helpers.h"

/** vs_vsnprintf without the compiler's format checks, for odd formats. */
static int fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vs_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/** The formatter: every conversion the core uses, and truncation. */
static void test_log_format(void **state)
{
	char buf[64];
	int n;

	(void)state;
	n = vs_snprintf(buf, sizeof(buf), "%c|%5s|%-5s|%05d|%-4u|%x|%X|%lld|%llx",
			'z', "ab", "cd", -42, 7u, 0xbeefu, 0xbeefu, -5ll,
			0x123456789abcull);
	assert_string_equal(buf, "z|   ab|cd   |-0042|7   |beef|BEEF|-5|123456789abc");
	assert_int_equal(n, (int)strlen(buf));
	vs_snprintf(buf, sizeof(buf), "%p %s %%", (void *)0x1000, (char *)NULL);
	assert_non_null(strstr(buf, "0x1000"));
	assert_non_null(strstr(buf, "%"));
	n = vs_snprintf(buf, 8, "%s", "0123456789");
	assert_string_equal(buf, "0123456");	/* cut, and terminated */
	assert_int_equal(n, 10);
	fmt_raw(buf, sizeof(buf), "%hu %zu %lu %ld %i %q %", 3, (size_t)4, 5ul,
		-6l, 7);
	assert_string_equal(buf, "3 4 5 -6 7 %q %");
	fmt_raw(buf, sizeof(buf), "%-06d|%5d", 12, -3);
	assert_string_equal(buf, "12    |   -3");
	assert_int_equal(vs_snprintf(NULL, 0, "%s", "abc"), 3);
}

/** Log lines: filtered by level, named by the platform's device name. */
static void test_log_lines(void **state)
{
	struct rig *r = rig_new(true);
	struct vs_platform_ops no_log;

	(void)state;
	vs_log(NULL, VS_LOG_ERR, "nowhere");
	r->fd.plat.log_level = VS_LOG_INFO;
	vs_log(&r->fd.plat, VS_LOG_DEBUG, "too detailed");
	assert_null(strstr(r->fd.last_log, "too detailed"));
	vs_snprintf(r->fd.plat.name, sizeof(r->fd.plat.name), "0000:00:03.0");
	vs_log(&r->fd.plat, VS_LOG_ERR, "scsi %u:%u: %s", 1, 2, "gone");
	assert_string_equal(r->fd.last_log, "0000:00:03.0: scsi 1:2: gone");
	no_log = *r->fd.plat.ops;
	no_log.log = NULL;
	r->fd.plat.ops = &no_log;
	vs_log(&r->fd.plat, VS_LOG_ERR, "dropped");
	assert_string_equal(r->fd.last_log, "0000:00:03.0: scsi 1:2: gone");
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_log_lines),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
