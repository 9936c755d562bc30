/*
 * What the top of drivers/vhost/vhost.c gives the functions under test:
 * the kernel headers it includes (here: their shims, plus the uapi
 * <linux/errno.h> for EFAULT), the tree's own "vhost.h", unchanged, and the
 * one vhost.c helper those functions call but that is not taken from the
 * tree: set_bit_to_user() (static in vhost.c, where it pins a user page;
 * here shim.c implements it over the case's simulated user memory).
 */
#ifndef VL_SHIM_VHOST_ENV_H
#define VL_SHIM_VHOST_ENV_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/export.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/list.h>
#include <linux/eventfd.h>
#include <linux/uio.h>
#include <linux/mm.h>
#include <asm/barrier.h>

#include "vhost.h"

int set_bit_to_user(int nr, void __user *addr);

#endif
