/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal arm64 guest that does, from EL1, what no Linux user program
 * can: it calls HVC although its device tree says PSCI is by SMC, and it
 * fetches instructions from an address with no RAM and from a device window.
 * svmm must answer the HVC with SMCCC NOT_SUPPORTED (-1 in x0, PC past it) and
 * give each fetch back to the guest as an instruction abort at the current EL
 * (ESR_EL1 class 0x21, FAR_EL1 the address), the way KVM does; a load from an
 * address with no device reads as zero. Each check prints one line on the
 * PL011 (svmm's, at 0x09000000), then the guest powers off by PSCI SYSTEM_OFF.
 * It is packaged as an arm64 Linux Image, so svmm loads it as it loads Linux;
 * the code is position-independent (svmm picks the 2 MiB-aligned base).
 */
#define UART_BASE 0x09000000
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF_BIT 5
#define ESR_EC_SHIFT 26
#define EC_IABT_CURRENT_EL 0x21
#define NO_RAM 0x20000000
#define SMCCC_VERSION 0x80000000
#define PSCI_SYSTEM_OFF 0x84000008

/* PSCI SYSTEM_OFF by SMC, the conduit svmm's device tree names. */
.macro power_off
	movz	x0, #(PSCI_SYSTEM_OFF & 0xffff)
	movk	x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
	smc	#0
	b	.
.endm

	.text
	.globl _start
_start:
	/* The arm64 Image header (Documentation/arch/arm64/booting.rst). */
	b	entry			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	image_end - _start	/* image_size */
	.quad	0xa			/* flags: little-endian, 4K pages, anywhere in RAM */
	.quad	0, 0, 0			/* res2, res3, res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

entry:
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
	adr	x0, msg_start
	bl	puts

	/* HVC: the function id is one svmm would serve by SMC. */
	mov	x0, #SMCCC_VERSION
	hvc	#0
	cmn	x0, #1
	adr	x0, msg_hvc_ok
	adr	x1, msg_hvc_bad
	csel	x0, x0, x1, eq
	bl	puts

	/* A fetch from no RAM, then from the UART's window. */
	mov	x22, #NO_RAM
	adr	x0, msg_fetch_ram
	bl	fetch_check
	mov	x22, #UART_BASE
	adr	x0, msg_fetch_dev
	bl	fetch_check

	/* A load from an address where nothing is: it reads as zero, no abort. */
	mov	x20, #0
	adr	x19, load_back
	mov	x1, #NO_RAM
	mov	x2, #0x5a
	ldr	x2, [x1]
load_back:
	cmp	x2, #0
	ccmp	x20, #0, #0, eq
	adr	x0, msg_load_ok
	adr	x1, msg_load_bad
	csel	x0, x0, x1, eq
	bl	puts

	adr	x0, msg_done
	bl	puts
	power_off

/*
 * fetch_check: branch to x22; the abort handler returns to fetch_back with
 * the exception class in x20 and FAR_EL1 in x21. x0 names the check; prints
 * it followed by "abort" when the class and address are right, else "bad".
 */
fetch_check:
	mov	x24, x30
	mov	x23, x0
	mov	x20, #0
	mov	x21, #0
	adr	x19, fetch_back
	br	x22
fetch_back:
	mov	x0, x23
	bl	puts_raw
	cmp	x20, #EC_IABT_CURRENT_EL
	ccmp	x21, x22, #0, eq
	adr	x0, msg_abort
	adr	x1, msg_bad
	csel	x0, x0, x1, eq
	bl	puts
	br	x24

/* puts: the NUL-terminated string at x0 and a newline. puts_raw: no newline. */
puts:
	mov	x25, x30
	bl	puts_raw
	mov	w3, #'\n'
	bl	putc
	br	x25
puts_raw:
	mov	x26, x30
	mov	x4, x0
1:	ldrb	w3, [x4], #1
	cbz	w3, 2f
	bl	putc
	b	1b
2:	br	x26
putc:
	mov	x5, #UART_BASE
1:	ldr	w6, [x5, #UART_FR]
	tbnz	w6, #UART_FR_TXFF_BIT, 1b
	str	w3, [x5, #UART_DR]
	ret

/* Synchronous exception at EL1: note why, and resume at x19. */
sync_current_el:
	mrs	x20, esr_el1
	lsr	x20, x20, #ESR_EC_SHIFT
	mrs	x21, far_el1
	msr	elr_el1, x19
	eret
/* Anything else is a failure the host must see. */
unexpected:
	adr	x0, msg_unexpected
	bl	puts
	power_off

	/*
	 * VBAR_EL1's table: 16 entries of 0x80 bytes, 2 KiB aligned. The guest
	 * runs at EL1 on SP_EL1, so its synchronous exceptions take entry 4.
	 */
	.balign	2048
vectors:
	.rept	4
	.balign	128
	b	unexpected
	.endr
	.balign	128
	b	sync_current_el
	.rept	11
	.balign	128
	b	unexpected
	.endr

msg_start:	.asciz "SVMM-HOSTILE-START"
msg_hvc_ok:	.asciz "SVMM-HOSTILE-HVC=not-supported"
msg_hvc_bad:	.asciz "SVMM-HOSTILE-HVC=bad"
msg_fetch_ram:	.asciz "SVMM-HOSTILE-FETCH-NO-RAM="
msg_fetch_dev:	.asciz "SVMM-HOSTILE-FETCH-DEVICE="
msg_abort:	.asciz "abort"
msg_bad:	.asciz "bad"
msg_load_ok:	.asciz "SVMM-HOSTILE-LOAD-NOTHING=zero"
msg_load_bad:	.asciz "SVMM-HOSTILE-LOAD-NOTHING=bad"
msg_done:	.asciz "SVMM-HOSTILE-DONE"
msg_unexpected:	.asciz "SVMM-HOSTILE-UNEXPECTED-EXCEPTION"
	.balign	4096
image_end:
