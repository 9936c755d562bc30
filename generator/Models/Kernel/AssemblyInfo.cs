using System.Runtime.CompilerServices;

// The harness calls the models' static (file-local in C) functions directly.
[assembly: InternalsVisibleTo("VhostLog.Equivalence")]
[assembly: InternalsVisibleTo("VhostLog.Tests")]

// The migration simulator drives the request path through the model functions.
[assembly: InternalsVisibleTo("VhostLog.Simulator")]
[assembly: InternalsVisibleTo("VhostLog.Bench")]

// The descriptor-chain campaign walks chains through the model functions.
[assembly: InternalsVisibleTo("VhostLog.Chains")]
