using NUnit.Framework;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Tests.Translator;

/// <summary>
/// The managed runs of the response-copy models: before patch 2 the BAD
/// TARGET response goes to the first response iovec whatever its length;
/// after it, through every response iovec, as long as the response type.
/// </summary>
public sealed class ResponseCopyTests
{
    // The guest split its 108-byte command response: 6 bytes, then the rest.
    const ulong First = 0x1000, Second = 0x2000;

    static (vhost_virtqueue Vq, vhost_scsi_ctx Vc) SplitResponse(KernelModel m)
    {
        m.Runtime.Memory.Map(First, 0x100);
        m.Runtime.Memory.Map(Second, 0x100);
        var vq = new vhost_virtqueue();
        vq.iov[0] = new iovec { iov_base = new UserPtr(0x9000), iov_len = 51 };
        vq.iov[1] = new iovec { iov_base = new UserPtr(First), iov_len = 6 };
        vq.iov[2] = new iovec { iov_base = new UserPtr(Second), iov_len = 102 };
        return (vq, new vhost_scsi_ctx { head = 7, @out = 1, @in = 2 });
    }

    [Test]
    public void BeforePatchTwoTheResponseOverrunsTheFirstIovec()
    {
        var m = new BeforeFixes();
        var (vq, vc) = SplitResponse(m);
        m.vhost_scsi_send_bad_target(new vhost_scsi(), vq, vc.head, vc.@out);
        // response is byte 11 of struct virtio_scsi_cmd_resp: past the 6 bytes the guest gave.
        Assert.That(m.Runtime.Memory.NonZeroBytes(), Is.EqualTo(new[] { (First + 11, (byte)3) }));
        Assert.That(vq.used, Is.EqualTo(new[] { (7, 0) }));
    }

    [Test]
    public void AfterPatchTwoTheResponseFollowsTheIovecs()
    {
        var m = new BadTargetIter();
        var (vq, vc) = SplitResponse(m);
        m.vhost_scsi_send_bad_target(new vhost_scsi(), vq, vc, 0);
        Assert.That(m.Runtime.Memory.NonZeroBytes(), Is.EqualTo(new[] { (Second + 11 - 6, (byte)3) }));
        Assert.That(vq.used, Is.EqualTo(new[] { (7, 0) }));
        Assert.That(m.Runtime.VqErrors, Is.Empty);
    }

    [Test]
    public void AfterPatchTwoAControlQueueAnswerHasItsOwnLayout()
    {
        var tmf = new BadTargetIter();
        var (vq, vc) = SplitResponse(tmf);
        tmf.vhost_scsi_send_bad_target(new vhost_scsi(), vq, vc, 1);
        Assert.That(tmf.Runtime.Memory.NonZeroBytes(), Is.EqualTo(new[] { (First, (byte)3) }), "TMF response: one byte");

        var an = new BadTargetIter();
        (vq, vc) = SplitResponse(an);
        an.vhost_scsi_send_bad_target(new vhost_scsi(), vq, vc, 2);
        Assert.That(an.Runtime.Memory.NonZeroBytes(), Is.EqualTo(new[] { (First + 4, (byte)3) }), "AN response: event_actual, then response");
    }

    [Test]
    public void AResponseThatDoesNotFitIsNotUsed()
    {
        var m = new SendStatusIter();
        var (vq, vc) = SplitResponse(m);
        vq.iov[2].iov_len = 10;
        m.vhost_scsi_send_status(new vhost_scsi(), vq, vc, 0x28);
        Assert.That(vq.used, Is.Empty);
        Assert.That(m.Runtime.VqErrors, Is.EqualTo(new[] { "Faulted on virtio_scsi_cmd_resp\n" }));
        Assert.That(m.Runtime.Memory.NonZeroBytes(), Is.EqualTo(new[] { (Second + 10 - 6, (byte)0x28) }), "the status byte fits, the rest does not");
    }
}
