/* Where the linker puts code and data apart from the rest (kernel.ld),
 * so that boot memory can be released and make size can count:
 *
 *   __boot      code that runs only while the kernel starts: kmain and
 *               what only it calls (.boot.text)
 *   __bootdata  zero-initialised data only that code uses (.bss.boot)
 *   __kdb       the kernel debugger: the interactive debugger, the KDB
 *               interface of spec 11, register dumps (.kdb.text)
 *
 * The boot sections join the kernel pool before the first thread runs
 * (bootmem_release); the kernel's link fails when any other section
 * refers to them (tools/kernel_sections.py check). The debugger's code
 * stays: it is only counted apart. Host tests compile the same files
 * into ordinary sections. */
#pragma once

#ifdef HOST_TEST
#define __boot
#define __bootdata
#define __kdb
#else
#define __boot     __attribute__((section(".boot.text")))
#define __bootdata __attribute__((section(".bss.boot")))
#define __kdb      __attribute__((section(".kdb.text")))
#endif
