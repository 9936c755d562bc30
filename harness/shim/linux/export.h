/*
 * Shim for <linux/export.h>.
 * Provides: EXPORT_SYMBOL, EXPORT_SYMBOL_GPL as a harmless redeclaration of
 * the symbol (so the trailing ';' stays valid and a misspelt name fails).
 * Stubbed: there is no module symbol table in userspace.
 */
#ifndef VL_SHIM_LINUX_EXPORT_H
#define VL_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)	extern __typeof__(sym) sym
#define EXPORT_SYMBOL_GPL(sym)	extern __typeof__(sym) sym

#endif
