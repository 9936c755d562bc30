// The lock-discipline check of `vhostlog verify` (docs/checks.md): where
// a dirty-log write or an access to a per-command or per-TMF log can be
// reached without a virtqueue mutex held. VhostLog fills in SINKS (the
// functions that write the log, and the functions found so far to reach
// one unlocked from their entry) and FIELDS (the log fields), and runs
// this until no new function is found.
//
// "entry": a path from the function's entry with no virtqueue mutex taken;
// "unlocked": a path from a virtqueue mutex_unlock() with none taken again.
// A virtqueue mutex is &V->mutex for a struct vhost_virtqueue *V, or
// &VS.mutex for a struct vhost_virtqueue VS.

@entry_call exists@
identifier fn;
identifier s =~ "^(SINKS)$";
position p;
struct vhost_virtqueue *V;
struct vhost_virtqueue VS;
@@
fn(...) {
... when != mutex_lock(&V->mutex)
    when != mutex_lock(&VS.mutex)
s@p(...)
... when any
}

@script:python@
p << entry_call.p;
fn << entry_call.fn;
s << entry_call.s;
@@
print("entry %s %s %s" % (fn, p[0].line, s))

@entry_field exists@
identifier fn;
identifier f =~ "^(FIELDS)$";
expression E;
position p;
struct vhost_virtqueue *V;
struct vhost_virtqueue VS;
@@
fn(...) {
... when != mutex_lock(&V->mutex)
    when != mutex_lock(&VS.mutex)
E->f@p
... when any
}

@script:python@
p << entry_field.p;
fn << entry_field.fn;
f << entry_field.f;
@@
print("entry %s %s ->%s" % (fn, p[0].line, f))

@unlocked_call exists@
identifier fn;
identifier s =~ "^(SINKS)$";
position p, u;
struct vhost_virtqueue *V;
struct vhost_virtqueue *V2;
struct vhost_virtqueue VS;
struct vhost_virtqueue VS2;
@@
fn(...) {
... when any
(
mutex_unlock@u(&V->mutex);
|
mutex_unlock@u(&VS.mutex);
)
... when != mutex_lock(&V2->mutex)
    when != mutex_lock(&VS2.mutex)
s@p(...)
... when any
}

@script:python@
p << unlocked_call.p;
u << unlocked_call.u;
fn << unlocked_call.fn;
s << unlocked_call.s;
@@
print("unlocked %s %s %s %s" % (fn, p[0].line, s, u[0].line))

@unlocked_field exists@
identifier fn;
identifier f =~ "^(FIELDS)$";
expression E;
position p, u;
struct vhost_virtqueue *V;
struct vhost_virtqueue *V2;
struct vhost_virtqueue VS;
struct vhost_virtqueue VS2;
@@
fn(...) {
... when any
(
mutex_unlock@u(&V->mutex);
|
mutex_unlock@u(&VS.mutex);
)
... when != mutex_lock(&V2->mutex)
    when != mutex_lock(&VS2.mutex)
E->f@p
... when any
}

@script:python@
p << unlocked_field.p;
u << unlocked_field.u;
fn << unlocked_field.fn;
f << unlocked_field.f;
@@
print("unlocked %s %s ->%s %s" % (fn, p[0].line, f, u[0].line))

// Every call of a sink, with the function it is in (no caller: an entry point).
@calls@
identifier s =~ "^(SINKS)$";
position p;
@@
s@p(...)

@script:python@
p << calls.p;
s << calls.s;
@@
print("call %s %s %s" % (p[0].current_element, p[0].line, s))
