/*
 * Shim for <linux/list.h>.
 * Provides: a working circular doubly linked list over struct list_head
 * (declared in the <linux/types.h> shim): LIST_HEAD_INIT, LIST_HEAD,
 * INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_empty,
 * list_entry, list_first_entry, list_next_entry, list_for_each,
 * list_for_each_entry, list_for_each_entry_safe.
 * Stubbed: poisoning of deleted entries (they are reset to point to
 * themselves instead), RCU and hlist helpers.
 */
#ifndef VL_SHIM_LINUX_LIST_H
#define VL_SHIM_LINUX_LIST_H

#include <linux/types.h>
#include <linux/container_of.h>

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void vl_list_link(struct list_head *item,
				struct list_head *before,
				struct list_head *after)
{
	after->prev = item;
	item->next = after;
	item->prev = before;
	before->next = item;
}

static inline void list_add(struct list_head *item, struct list_head *head)
{
	vl_list_link(item, head, head->next);
}

static inline void list_add_tail(struct list_head *item, struct list_head *head)
{
	vl_list_link(item, head->prev, head);
}

static inline void list_del(struct list_head *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	INIT_LIST_HEAD(entry);
}

static inline int list_empty(const struct list_head *head)
{
	return head->next == head;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member);	\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_next_entry(pos, member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))

#endif
