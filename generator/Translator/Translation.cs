using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using VhostLog.Translator.Ir;
using VhostLog.Translator.Lowering;

namespace VhostLog.Translator;

/// <summary>One model function translated to kernel C.</summary>
public sealed record CFunction(
    string Name,
    string CFile,
    string State,
    bool ChangedInState,
    IrFunction Ir,
    string Text);

/// <summary>Translates model states to kernel C.</summary>
public sealed class Translation
{
    const string KernelModel = "VhostLog.Models.Kernel.KernelModel";
    const string ModelStateAttribute = "VhostLog.Models.Kernel.ModelStateAttribute";

    readonly ModelSources sources;
    readonly ClangFormat? format;

    // Rendering runs clang-format once per function: each state is rendered
    // once, and a function that several states share is formatted once.
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string State, bool OnlyChanged), ImmutableArray<CFunction>> rendered = new();
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> formatted = new(StringComparer.Ordinal);

    /// <param name="printer">the C printer (tests hand in one with a broken precedence table)</param>
    public Translation(ModelSources sources, ClangFormat? format, CPrinter? printer = null)
    {
        this.sources = sources;
        this.format = format;
        this.printer = printer ?? CPrinter.Kernel;
    }

    readonly CPrinter printer;

    /// <summary>
    /// The model states, oldest first, as generator/Models/ModelStates.cs
    /// lists them; read here from the models' source because the translator
    /// is an analyzer of that assembly and cannot load it (a test holds the
    /// two lists equal).
    /// </summary>
    public ImmutableArray<string> States()
    {
        var states = sources.Compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type)
            .OfType<INamedTypeSymbol>()
            .Where(t => t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelStateAttribute))
            .ToList();
        return states.OrderBy(Depth).Select(t => t.Name).ToImmutableArray();
    }

    static int Depth(INamedTypeSymbol t)
    {
        var d = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType)
            d++;
        return d;
    }

    /// <summary>The state a state derives from, or null for the root state.</summary>
    public string? ParentState(string state) =>
        StateType(state).BaseType is { } b && b.ToDisplayString() != KernelModel ? b.Name : null;

    INamedTypeSymbol StateType(string state) =>
        sources.Compilation.GetSymbolsWithName(state, SymbolFilter.Type).OfType<INamedTypeSymbol>()
            .FirstOrDefault(t => t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelStateAttribute))
        ?? throw new ArgumentException($"no model state named '{state}'; states are: {string.Join(", ", States())}");

    /// <summary>
    /// Every model function as the state has it (its own overrides and what it
    /// inherits), callees before callers.
    /// </summary>
    public ImmutableArray<CFunction> Translate(string state) => Functions(state, onlyChanged: false);

    /// <summary>Only the functions the state itself changes (its patch).</summary>
    public ImmutableArray<CFunction> Changes(string state) => Functions(state, onlyChanged: true);

    ImmutableArray<CFunction> Functions(string state, bool onlyChanged) =>
        rendered.GetOrAdd((state, onlyChanged), key => Render(key.State, key.OnlyChanged));

    ImmutableArray<CFunction> Render(string state, bool onlyChanged)
    {
        var type = StateType(state);
        var chosen = new Dictionary<string, (IMethodSymbol Method, INamedTypeSymbol Owner)>(StringComparer.Ordinal);
        for (var t = type; t is not null && t.ToDisplayString() != KernelModel; t = t.BaseType)
        {
            foreach (var m in t.GetMembers().OfType<IMethodSymbol>())
            {
                if (m.MethodKind != MethodKind.Ordinary || m.IsImplicitlyDeclared || ModelSymbols.IsExtern(m))
                    continue;
                chosen.TryAdd(m.Name, (m, t));
            }
        }
        var diagnostics = new List<ModelDiagnostic>();
        var lowered = chosen
            .Where(kv => !onlyChanged || SymbolEqualityComparer.Default.Equals(kv.Value.Owner, type))
            .Select(kv => (kv.Value.Owner, Ir: ModelLowering.Lower(sources, kv.Value.Method, kv.Value.Owner.BaseType?.ToDisplayString() == KernelModel, diagnostics)))
            .ToList();
        if (diagnostics.Count > 0)
            throw new ModelLanguageException(diagnostics.Distinct().OrderBy(d => d.File).ThenBy(d => d.Line).ToList());
        var ordered = CalleesFirst(lowered.Select(l => l.Ir)).ToList();
        // clang-format is a process per function: start them side by side.
        var texts = ordered.AsParallel().AsOrdered().Select(RenderC).ToList();
        return ordered
            .Select((ir, i) => new CFunction(ir.Name, ir.CFile, state,
                SymbolEqualityComparer.Default.Equals(lowered.First(l => l.Ir == ir).Owner, type),
                ir, texts[i]))
            .ToImmutableArray();
    }

    string RenderC(IrFunction ir)
    {
        var text = printer.Print(KernelC.Lower(ir));
        return format is null ? text : formatted.GetOrAdd(text, format.Format);
    }

    static IEnumerable<IrFunction> CalleesFirst(IEnumerable<IrFunction> functions)
    {
        var byName = functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<IrFunction>();
        void Visit(IrFunction f)
        {
            if (!done.Add(f.Name))
                return;
            foreach (var c in f.Calls)
                if (byName.TryGetValue(c, out var callee))
                    Visit(callee);
            order.Add(f);
        }
        foreach (var f in byName.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            Visit(f);
        return order;
    }
}
