using System.Runtime.CompilerServices;

// The harness calls the models' static (file-local in C) functions directly.
[assembly: InternalsVisibleTo("VhostLog.Harness")]
[assembly: InternalsVisibleTo("VhostLog.Tests")]
[assembly: InternalsVisibleTo("VhostLog.Bench")]
