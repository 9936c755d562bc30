using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

// scsi.c's log functions: vhost_scsi_log_write(), the command log's copy
// and teardown with patch 6 (IoQueueLog), the task management request's
// copy with patch 7 (CtlQueueLog).

/// <summary>vhost_scsi_log_write(vq, log, log_num); log is NULL when the case says so.</summary>
public sealed class ScsiLogWriteDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_log_write;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is IoQueueLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var c = call.Case;
        call.As<IoQueueLog>(IoQueue).vhost_scsi_log_write(call.Vq, c.NullLog ? null : ModelValues.Entries(c.Log), (uint)c.Log.Length);
        state = null;
        return 0;
    }

    internal const string IoQueue = "vhost-scsi logging (patch 6)";
}

/// <summary>vhost_scsi_copy_cmd_log(vq, cmd, log, log_num) for a new or a reused command.</summary>
public sealed class CopyCmdLogDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_copy_cmd_log;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is IoQueueLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var (model, vq, c) = (call.Model, call.Vq, call.Case);
        var earlier = c.PriorLog > 0 ? ModelValues.PriorBuffer(c.IovLimit, c.PriorLog) : null;
        var cmd = new vhost_scsi_cmd { tvc_vq = vq, tvc_log = earlier, tvc_log_num = (uint)c.PriorLog };
        // The caller's array is vq->log, which holds iov_limit entries.
        var log = new vhost_log[c.IovLimit];
        ModelValues.Entries(c.Log).CopyTo(log, 0);
        var ret = call.As<IoQueueLog>(ScsiLogWriteDriver.IoQueue).vhost_scsi_copy_cmd_log(vq, cmd, log, (uint)c.Log.Length);
        state = new CopyCmdLogState((ulong)model.Runtime.LiveAllocations, earlier is not null && ReferenceEquals(cmd.tvc_log, earlier),
            cmd.tvc_log_num, cmd.tvc_log is not null, ModelValues.LogEntries(cmd.tvc_log ?? []));
        return ret;
    }
}

/// <summary>vhost_scsi_copy_tmf_log(tmf, log, log_num) for a new task management request.</summary>
public sealed class CopyTmfLogDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_copy_tmf_log;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is CtlQueueLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var (model, c) = (call.Model, call.Case);
        // A new request: vhost_scsi_handle_tmf() zeroes it.
        var tmf = new vhost_scsi_tmf();
        var log = new vhost_log[c.IovLimit];
        ModelValues.Entries(c.Log).CopyTo(log, 0);
        var ret = call.As<CtlQueueLog>("control queue logging (patch 7)").vhost_scsi_copy_tmf_log(tmf, log, (uint)c.Log.Length);
        // The worker reads log_num entries: what the request asked to keep.
        var kept = tmf.tmf_log is { } buffer
            ? [.. Enumerable.Range(0, c.Log.Length).Select(i => i < buffer.Length ? new LogEntry(buffer[i].addr, buffer[i].len) : default)]
            : System.Collections.Immutable.ImmutableArray<LogEntry>.Empty;
        state = new CopyTmfLogState((ulong)model.Runtime.Allocations, model.Runtime.LiveAllocations, model.Runtime.AllocatedBytes, tmf.tmf_log_num, tmf.tmf_log is not null, kept);
        return ret;
    }
}

/// <summary>vhost_scsi_destroy_vq_log(&amp;svq->vq) on an I/O queue of commands, some holding an earlier log.</summary>
public sealed class DestroyVqLogDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_destroy_vq_log;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is IoQueueLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var c = call.Case;
        var commands = c.CommandsOrEmpty;
        var svq = new vhost_scsi_virtqueue { max_cmds = commands.Length };
        if (!c.NullCommands)
        {
            svq.scsi_cmds = new vhost_scsi_cmd[commands.Length];
            for (var k = 0; k < commands.Length; k++)
                svq.scsi_cmds[k] = new vhost_scsi_cmd
                {
                    tvc_vq = svq.vq, tvc_log_num = (uint)commands[k],
                    tvc_log = commands[k] > 0 ? ModelValues.PriorBuffer(c.IovLimit, commands[k]) : null,
                };
        }
        svq.vq.dev.iov_limit = c.IovLimit;
        call.As<IoQueueLog>(ScsiLogWriteDriver.IoQueue).vhost_scsi_destroy_vq_log(svq.vq);
        state = new DestroyVqLogState(call.Model.Runtime.LiveAllocations, ModelValues.CommandLogs(svq.scsi_cmds ?? []));
        return 0;
    }
}

/// <summary>
/// vhost_scsi_destroy_logs() on a device of c.Out virtqueues whose I/O
/// queues hold c.In commands each (c.Commands, queue after queue); bit q
/// of c.Kind leaves I/O queue q without commands. The state is the
/// buffers live after, each I/O queue's mutex depth, then every command.
/// </summary>
public sealed class DestroyLogsDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_destroy_logs;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is IoQueueLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var c = call.Case;
        var commands = c.CommandsOrEmpty;
        var vs = new vhost_scsi { vqs = new vhost_scsi_virtqueue[c.Out] };
        vs.dev.nvqs = c.Out;
        var cmds = new vhost_scsi_cmd[commands.Length];
        for (var q = 0; q < c.Out; q++)
        {
            var svq = vs.vqs[q] = new vhost_scsi_virtqueue();
            svq.vq.dev.iov_limit = c.IovLimit;
            if (q < 2)
                continue;
            svq.max_cmds = c.In;
            var mine = new vhost_scsi_cmd[c.In];
            for (var k = 0; k < c.In; k++)
            {
                var n = commands[(q - 2) * c.In + k];
                mine[k] = cmds[(q - 2) * c.In + k] = new vhost_scsi_cmd
                {
                    tvc_vq = svq.vq, tvc_log_num = (uint)n, tvc_log = n > 0 ? ModelValues.PriorBuffer(c.IovLimit, n) : null,
                };
            }
            svq.scsi_cmds = ((c.Kind >> (q - 2)) & 1) != 0 ? null : mine;
        }
        call.As<IoQueueLog>(ScsiLogWriteDriver.IoQueue).vhost_scsi_destroy_logs(vs);
        state = new DestroyLogsState(call.Model.Runtime.LiveAllocations,
            [.. vs.vqs.Skip(2).Select(svq => (long)svq.vq.mutex.depth)], ModelValues.CommandLogs(cmds));
        return 0;
    }
}
