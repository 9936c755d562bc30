/*
 * Shim for <linux/irqbypass.h>.
 * Provides: struct irq_bypass_producer as a complete type (struct
 * vhost_vring_call embeds one).
 * Stubbed: producer/consumer registration.
 */
#ifndef VL_SHIM_LINUX_IRQBYPASS_H
#define VL_SHIM_LINUX_IRQBYPASS_H

#include <linux/types.h>

struct irq_bypass_consumer;

struct irq_bypass_producer {
	struct list_head node;
	void *token;
	int irq;
	int (*add_consumer)(struct irq_bypass_producer *producer,
			    struct irq_bypass_consumer *consumer);
	void (*del_consumer)(struct irq_bypass_producer *producer,
			     struct irq_bypass_consumer *consumer);
	void (*stop)(struct irq_bypass_producer *producer);
	void (*start)(struct irq_bypass_producer *producer);
};

#endif
