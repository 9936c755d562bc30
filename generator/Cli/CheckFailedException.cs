namespace VhostLog.Cli;

/// <summary>
/// The code under test failed in a way that ends the command (a native driver
/// that crashed or hung): exit 1, as for a failed check, with the message.
/// </summary>
public sealed class CheckFailedException(string message) : Exception(message);
