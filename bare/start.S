/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Entry of the bare-metal image: a PVH boot (the Xen PVH ABI that QEMU's
 * -kernel loader and its pvh.bin option ROM implement).  The loader
 * enters pvh_start in 32-bit protected mode, paging off, flat segments,
 * with %ebx holding the physical address of struct hvm_start_info.
 *
 * This file builds identity-mapped page tables for the low BARE_MAP_GIB
 * GiB (2 MiB pages), switches to long mode, installs an IDT whose every
 * exception vector ends in bare_exception() (a fault prints and exits,
 * never reboots into a loop), and calls bare_main(start_info).
 */
#include "bare_layout.h"

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PS		0x080		/* 2 MiB page in a page directory */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The note QEMU looks for to boot an ELF kernel the PVH way. */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 4				/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

	.section .text.boot, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	/* the loader zeroes .bss, an earlier stage may have written there */
	movl	%ebx, %esi
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	%esi, start_info_pa
	movl	$boot_stack_top, %esp

	/* PD entries: BARE_MAP_GIB * 512 2-MiB pages, identity */
	movl	$pd, %edi
	xorl	%eax, %eax		/* physical address bits 21-31 */
	xorl	%edx, %edx		/* bits 32-63 */
	movl	$(BARE_MAP_GIB * 512), %ecx
1:	movl	%eax, %ebx
	orl	$(PTE_P | PTE_RW | PTE_PS), %ebx
	movl	%ebx, (%edi)
	movl	%edx, 4(%edi)
	addl	$8, %edi
	addl	$0x200000, %eax
	adcl	$0, %edx
	loop	1b

	/* PDPT entries: one per GiB, each pointing at its PD page */
	movl	$pdpt, %edi
	movl	$pd, %eax
	movl	$BARE_MAP_GIB, %ecx
2:	movl	%eax, %ebx
	orl	$(PTE_P | PTE_RW), %ebx
	movl	%ebx, (%edi)
	movl	$0, 4(%edi)
	addl	$8, %edi
	addl	$4096, %eax
	loop	2b

	movl	$pdpt, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, pml4

	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $start64

	.code64
start64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	leaq	boot_stack_top(%rip), %rsp

	/* IDT: vectors 0-31, each a stub from the table below */
	leaq	idt(%rip), %rdi
	leaq	exception_stubs(%rip), %rsi
	movl	$32, %ecx
3:	movq	%rsi, %rax
	movw	%ax, (%rdi)		/* offset 0-15 */
	movw	$0x08, 2(%rdi)		/* code segment */
	movw	$0x8E00, 4(%rdi)	/* present, DPL 0, interrupt gate */
	shrq	$16, %rax
	movw	%ax, 6(%rdi)		/* offset 16-31 */
	shrq	$16, %rax
	movl	%eax, 8(%rdi)		/* offset 32-63 */
	movl	$0, 12(%rdi)
	addq	$16, %rdi
	addq	$16, %rsi
	loop	3b
	lidt	idt_desc(%rip)

	movl	start_info_pa(%rip), %edi
	call	bare_main
4:	cli
	hlt
	jmp	4b

/* One 16-byte stub per vector: push a dummy error code where the CPU
 * pushes none, then the vector number. */
	.balign 16
exception_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exception_common
	.endr

exception_common:
	movq	(%rsp), %rdi		/* vector */
	movq	8(%rsp), %rsi		/* error code */
	movq	16(%rsp), %rdx		/* RIP of the fault */
	movq	%cr2, %rcx
	andq	$~15, %rsp
	call	bare_exception		/* does not return */
5:	cli
	hlt
	jmp	5b

	.section .rodata
	.balign 8
gdt:
	.quad	0
	.quad	0x00AF9A000000FFFF	/* 0x08: 64-bit code */
	.quad	0x00CF92000000FFFF	/* 0x10: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	32 * 16 - 1
	.quad	idt

	.section .bss
	.balign 4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096 * BARE_MAP_GIB
idt:	.skip	32 * 16
	.balign 16
boot_stack:
	.skip	BARE_STACK_SIZE
boot_stack_top:
start_info_pa:
	.long	0
