using VhostLog.Models.Kernel;

namespace VhostLog.Models;

// The model states, oldest first. A state's own overrides are the change
// its patch makes; the functions live in one file per function under a
// folder named for the C file they belong to (vhost/ -> drivers/vhost/vhost.c).
// Baseline is the default target tree; the states before it exist so that
// trees older than it (6.1) get patches 2 and 3 generated.

[ModelState("drivers/vhost before the three vhost-scsi fixes: single-iovec response copies, as Debian linux-source-6.1 (6.1.192) has them")]
public partial class BeforeFixes : KernelModel;

// Patch 1 (the vq mutex around the whole completion loop) is locking only:
// glue, no state.

[ModelState("vhost-scsi: vhost_scsi_send_bad_target() copies its response through an iov_iter, sized by its type")]
public partial class BadTargetIter : BeforeFixes;

[ModelState("vhost-scsi: vhost_scsi_send_status() copies its response through an iov_iter")]
public partial class SendStatusIter : BadTargetIter;

[ModelState("drivers/vhost as Debian linux-source-6.12 (6.12.117) ships it")]
public partial class Baseline : SendStatusIter;

[ModelState("vhost: vhost_log_write() logs whole descriptors when len is U64_MAX")]
public partial class BroaderLogWrite : Baseline;

[ModelState("vhost-scsi: vhost_scsi_get_desc() passes the descriptors' log through")]
public partial class GetDescLog : BroaderLogWrite;

[ModelState("vhost-scsi: the I/O queue logs the write descriptors of its commands")]
public partial class IoQueueLog : GetDescLog;

[ModelState("vhost-scsi: the control queue logs the write descriptors of its responses")]
public partial class CtlQueueLog : IoQueueLog;

[ModelState("vhost-scsi: the event queue logs the events it writes (glue only)")]
public partial class EvtQueueLog : CtlQueueLog;

[ModelState("vhost: warn if a write descriptor would pass the log array (opt-in, glue only)", OptIn = true)]
public partial class LogNumWarn : EvtQueueLog;
