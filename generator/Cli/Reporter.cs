namespace VhostLog.Cli;

/// <summary>
/// Progress reported on the reporting thread: Progress&lt;T&gt; posts to the
/// thread pool, so what it prints (and what an interrupted run says it
/// finished) would lag and could come out of order.
/// </summary>
sealed class Reporter<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
