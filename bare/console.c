/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The console: COM1, a 16550 UART at I/O port 0x3F8, polled, 115200 8N1;
 * and the exit through QEMU's isa-debug-exit port.
 */
#include <stdarg.h>
#include "vscsi/platform.h"
#include "io.h"
#include "bare.h"

#define COM1		0x3F8
#define UART_THR	0	/* transmit holding register */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_DLL	0	/* divisor latch, with LCR_DLAB */
#define UART_DLM	1
#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS	0x03
#define LSR_THRE	0x20	/* transmit holding register empty */
/** Polls of LSR before a character is sent regardless: a UART that
 * never drains must not hang the image (at 115200 baud a character
 * takes 87 us; this is far longer on any machine). */
#define UART_SPIN	100000

/** QEMU's isa-debug-exit device (its default iobase): writing v ends
 * QEMU with exit status (v << 1) | 1. */
#define DEBUG_EXIT_PORT	0x501

/** Set up COM1. */
void console_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);	/* 115200 baud: divisor 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/** Send one character. */
static void console_putc(char ch)
{
	unsigned spin;

	for (spin = 0; spin < UART_SPIN; spin++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)ch);
}

/**
 * Write a string; "\n" becomes "\r\n".
 * @v s		NUL-terminated text
 */
void console_write(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			console_putc('\r');
		console_putc(*s);
	}
}

/**
 * Print formatted text on the console.
 * @v fmt	format (vs_vsnprintf's)
 */
void console_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vs_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_write(line);
}

/**
 * End the run: QEMU exits with status (code << 1) | 1 through
 * isa-debug-exit; on a machine without it, the CPU halts for good.
 * @v code	one of enum bare_exit
 */
void bare_exit(enum bare_exit code)
{
	console_printf("exit %d (%s)\n", (int)code, bare_exit_name(code));
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
