/*
 * Shim for <linux/minmax.h>.
 * Provides: min(), max() that evaluate each argument once and refuse
 * (at compile time) to compare a signed with an unsigned operand unless one
 * of them is a non-negative integer constant -- the rule 6.12 enforces;
 * min_t(), max_t() (compare after casting to the named type), clamp().
 * Stubbed: min3/max3, umin/umax and the array helpers.
 */
#ifndef VL_SHIM_LINUX_MINMAX_H
#define VL_SHIM_LINUX_MINMAX_H

#define __vl_join2(a, b)	a##b
#define __vl_join(a, b)		__vl_join2(a, b)
#define __vl_unique(prefix)	__vl_join(prefix, __COUNTER__)

#define __vl_is_signed_type(x)	((__typeof__(x))-1 < (__typeof__(x))1)
/* 1 when x is an integer constant >= 0 (the cast keeps -Wtype-limits quiet). */
#define __vl_nonneg_const(x)						\
	__builtin_choose_expr(__builtin_constant_p(x), (long long)(x) >= 0, 0)
#define __vl_minmax_ok(x, y)						\
	(__vl_is_signed_type(x) == __vl_is_signed_type(y) ||		\
	 __vl_nonneg_const(x) || __vl_nonneg_const(y))

#define __vl_pick(op, x, y, ux, uy) ({					\
	__typeof__(x) ux = (x);						\
	__typeof__(y) uy = (y);						\
	_Static_assert(__vl_minmax_ok(x, y),				\
		       "min/max: operands differ in signedness");	\
	ux op uy ? ux : uy; })

#define min(x, y) \
	__vl_pick(<, x, y, __vl_unique(__vl_min_x), __vl_unique(__vl_min_y))
#define max(x, y) \
	__vl_pick(>, x, y, __vl_unique(__vl_max_x), __vl_unique(__vl_max_y))

#define min_t(type, x, y)	min((type)(x), (type)(y))
#define max_t(type, x, y)	max((type)(x), (type)(y))
#define clamp(val, lo, hi)	min(max(val, lo), hi)

#endif
