// Patch 4 glue, for trees older than 6.8: eventfd_signal() took the count
// to add as a second argument there. When the file still calls it that way,
// the call the model moved gets the count of 1 the other callers pass.
@ counted @
expression ctx, n;
@@
 eventfd_signal(ctx, n)

// backporter: eventfd_signal() still takes the count in this tree (before
// backporter: 6.8): the signal moved after the loop passes 1.
@ depends on counted @
expression ctx;
@@
- eventfd_signal(ctx)
+ eventfd_signal(ctx, 1)
