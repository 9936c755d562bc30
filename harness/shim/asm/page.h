/*
 * Shim for <asm/page.h>.
 * Provides: PAGE_SHIFT, PAGE_SIZE, PAGE_MASK for x86-64's 4 KiB pages.
 * Stubbed: everything about physical pages.
 */
#ifndef VL_SHIM_ASM_PAGE_H
#define VL_SHIM_ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#endif
