/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console multiplexer's VM names, one a line in the system's order
 * (svmm sdf --build-dir writes the file), packaged into console_mux.elf:
 * seL4 gives a protection domain no files.
 */
	.section .rodata.svmm_names, "a"

	.global svmm_console_names_start, svmm_console_names_end
svmm_console_names_start:
	.incbin SVMM_CONSOLE_NAMES
svmm_console_names_end:
