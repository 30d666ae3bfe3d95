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

/** A conversion's flags, width and length modifier. */
struct vs_spec {
	unsigned width;
	bool zero, left;
	int lng;		/**< 0: int, 1: long, 2: long long or size_t */
};

/**
 * Read the flags, width and length modifier of a conversion.
 * @v fmt	just past its '%'
 * @v sp	what was read
 * @ret fmt	at its conversion letter
 */
static const char *vs_parse_spec(const char *fmt, struct vs_spec *sp)
{
	sp->zero = sp->left = false;
	for (;; fmt++) {
		if (*fmt == '0')
			sp->zero = true;
		else if (*fmt == '-')
			sp->left = true;
		else
			break;
	}
	for (sp->width = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
		sp->width = sp->width * 10 + (*fmt - '0');
	for (sp->lng = 0; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
		sp->lng += (*fmt == 'h') ? 0 : (*fmt == 'z' ? 2 : 1);
	return fmt;
}

/** Put a string, padded to the spec's width. */
static void vs_put_str(struct vs_out *o, const char *str,
		       const struct vs_spec *sp)
{
	unsigned len = 0, width = sp->width;

	str = str ? str : "(null)";
	while (str[len])
		len++;
	for (; !sp->left && len < width; width--)
		vs_putc(o, ' ');
	while (*str)
		vs_putc(o, *str++);
	for (; sp->left && len < width; width--)
		vs_putc(o, ' ');
}

/**
 * Put one conversion.
 * @v o		output
 * @v conv	conversion letter (may be the format's NUL)
 * @v sp	its spec
 * @v ap	the arguments
 * @ret more	false when the format ended inside the conversion
 */
static bool vs_convert(struct vs_out *o, char conv, const struct vs_spec *sp,
		       va_list *ap)
{
	unsigned long long u;
	long long s;

	switch (conv) {
	case 'c':
		vs_putc(o, (char)va_arg(*ap, int));
		return true;
	case 's':
		vs_put_str(o, va_arg(*ap, const char *), sp);
		return true;
	case 'p':
		vs_putc(o, '0');
		vs_putc(o, 'x');
		vs_put_num(o, (uintptr_t)va_arg(*ap, void *), 16, false, false, 0,
			   false, false);
		return true;
	case 'd': case 'i':
		s = sp->lng >= 2 ? va_arg(*ap, long long) :
		    sp->lng == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
		vs_put_num(o, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
			   10, false, s < 0, sp->width, sp->zero, sp->left);
		return true;
	case 'u': case 'x': case 'X':
		u = sp->lng >= 2 ? va_arg(*ap, unsigned long long) :
		    sp->lng == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
		vs_put_num(o, u, conv == 'u' ? 10 : 16, conv == 'X', false,
			   sp->width, sp->zero, sp->left);
		return true;
	case '%':
		vs_putc(o, '%');
		return true;
	default:	/* unknown conversion: show it, do not guess */
		vs_putc(o, '%');
		if (!conv)
			return false;
		vs_putc(o, conv);
		return true;
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
	struct vs_spec sp;
	va_list args;

	va_copy(args, ap);	/* a va_list parameter has no address to pass */
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			vs_putc(&o, *fmt);
			continue;
		}
		fmt = vs_parse_spec(fmt + 1, &sp);
		if (!vs_convert(&o, *fmt, &sp, &args))
			break;
	}
	va_end(args);
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
	/* parenthesised: hosts (U-Boot) define log() as a macro */
	(p->ops->log)(p, line);
}
