/*
 * Macros Coccinelle does not know, so that it parses the functions that use
 * them (the loop bodies are what the glue matches, not the macros).
 */
#define llist_for_each_entry_safe(pos, n, node, member) for (;;)
#define llist_for_each_entry(pos, node, member) for (;;)
