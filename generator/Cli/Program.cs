using System.CommandLine;
using VhostLog.Cli;

return Commands.Run(args);
