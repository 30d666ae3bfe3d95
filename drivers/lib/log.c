/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Log formatting for the core: a small printf subset, so the core needs
 * no C library and every platform receives finished lines.
 *
 * Supported: %% %c %s %p and d i u x X with the flags '0' and '-', a
 * width, and the length modifiers h hh l ll z.
 */
#include <stdarg.h>
#include "vscsi/platform.h"

/** Output cursor of vs_vsnprintf. */
struct vs_out {
	char *buf;
	size_t size;
	size_t len;
};

static void vs_putc(struct vs_out *o, char ch)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = ch;
	o->len++;
}

/**
 * Format an unsigned number.
 * @v o		output
 * @v v		value
 * @v base	10 or 16
 * @v upper	upper-case hex digits
 * @v neg	print a minus sign
 * @v width	minimum width
 * @v zero	pad with zeros
 * @v left	pad on the right
 */
static void vs_put_num(struct vs_out *o, unsigned long long v, unsigned base,
		       bool upper, bool neg, unsigned width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && zero)
		vs_putc(o, '-');
	while (!left && len < width) {
		vs_putc(o, zero ? '0' : ' ');
		width--;
	}
	if (neg && !zero)
		vs_putc(o, '-');
	while (n)
		vs_putc(o, tmp[--n]);
	while (left && len < width) {
		vs_putc(o, ' ');
		width--;
	}
}

/**
 * Format a string like vsnprintf(3), for the subset above.
 * @v buf	output buffer
 * @v size	its size (output is always terminated when size > 0)
 * @v fmt	format
 * @v ap	arguments
 * @ret len	length the full output would have
 */
int vs_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct vs_out o = { buf, size, 0 };
	unsigned long long u;
	long long s;
	unsigned width;
	bool zero, left;
	int lng;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			vs_putc(&o, *fmt);
			continue;
		}
		fmt++;
		zero = left = false;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		for (width = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (lng = 0; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			lng += (*fmt == 'h') ? 0 : (*fmt == 'z' ? 2 : 1);
		switch (*fmt) {
		case 'c':
			vs_putc(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			unsigned len = 0;

			str = str ? str : "(null)";
			while (str[len])
				len++;
			for (; !left && len < width; width--)
				vs_putc(&o, ' ');
			while (*str)
				vs_putc(&o, *str++);
			for (; left && len < width; width--)
				vs_putc(&o, ' ');
			break;
		}
		case 'p':
			vs_putc(&o, '0');
			vs_putc(&o, 'x');
			vs_put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false,
				   false, 0, false, false);
			break;
		case 'd': case 'i':
			s = lng >= 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			vs_put_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
				   10, false, s < 0, width, zero, left);
			break;
		case 'u': case 'x': case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			vs_put_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				   false, width, zero, left);
			break;
		case '%':
			vs_putc(&o, '%');
			break;
		default:	/* unknown conversion: show it, do not guess */
			vs_putc(&o, '%');
			if (!*fmt)
				goto out;
			vs_putc(&o, *fmt);
			break;
		}
	}
out:
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

/** Format a string like snprintf(3); see vs_vsnprintf. */
int vs_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vs_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return len;
}

/**
 * Log one line through the platform, if its level is enabled.
 * @v p		platform
 * @v level	VS_LOG_*
 * @v fmt	format
 */
void vs_log(struct vs_platform *p, int level, const char *fmt, ...)
{
	char line[200];
	size_t n = 0;
	va_list ap;

	if (!p || !p->ops->log || level > p->log_level)
		return;
	/* every line names its controller, when the platform named it */
	if (p->name[0])
		n = vs_snprintf(line, sizeof(line), "%s: ", p->name);
	va_start(ap, fmt);
	vs_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	p->ops->log(p, line);
}
