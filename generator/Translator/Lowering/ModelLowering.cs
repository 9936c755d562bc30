using System.Collections.Immutable;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// Lowers one model method (Roslyn syntax plus semantics) to the IR, checking
/// on the way that every construct means the same in C# and in C.
/// </summary>
public sealed class ModelLowering
{
    const string ExternAttribute = "VhostLog.Models.Kernel.ExternAttribute";
    const string KernelStructAttribute = "VhostLog.Models.Kernel.KernelStructAttribute";
    const string UserPtrType = "VhostLog.Models.Kernel.UserPtr";
    const string TypedUserPtrType = "VhostLog.Models.Kernel.UserPtr<T>";
    const string AnonymousUnionAttribute = "VhostLog.Models.Kernel.AnonymousUnionAttribute";
    const string StructLayoutAttribute = "System.Runtime.InteropServices.StructLayoutAttribute";
    const string FieldOffsetAttribute = "System.Runtime.InteropServices.FieldOffsetAttribute";
    const string PtrType = "VhostLog.Models.Kernel.Ptr<T>";
    const string EmbeddedAttribute = "VhostLog.Models.Kernel.EmbeddedAttribute";
    const string InsertAfterAttribute = "VhostLog.Models.Kernel.InsertAfterAttribute";
    const string UpperBoundAttribute = "VhostLog.Models.Kernel.UpperBoundAttribute";
    const string NonNegativeAttribute = "VhostLog.Models.Kernel.NonNegativeAttribute";
    const string CFormAttribute = "VhostLog.Models.Kernel.CFormAttribute";

    static readonly ImmutableDictionary<string, string> AliasSpelling = new Dictionary<string, string>
    {
        ["unsigned_int"] = "unsigned int",
        ["unsigned_long"] = "unsigned long",
    }.ToImmutableDictionary();

    readonly SemanticModel model;
    readonly string file;
    readonly List<ModelDiagnostic> diagnostics;
    readonly HashSet<string> calls = new(StringComparer.Ordinal);
    readonly HashSet<string> externs = new(StringComparer.Ordinal);
    readonly HashSet<ISymbol> nonNegativeCounters = new(SymbolEqualityComparer.Default);

    ModelLowering(SemanticModel model, string file, List<ModelDiagnostic> diagnostics)
    {
        this.model = model;
        this.diagnostics = diagnostics;
        this.file = file;
    }

    /// <summary>Lowers a method; problems are added to diagnostics and the result may then be partial.</summary>
    public static IrFunction Lower(ModelSources sources, IMethodSymbol method, bool isBaseline, List<ModelDiagnostic> diagnostics) =>
        Lower(sources.Compilation, method, isBaseline, diagnostics, sources.Relative);

    /// <summary>
    /// Lowers a method of any compilation (the analyzer's, at build time);
    /// relative names the file in diagnostics.
    /// </summary>
    public static IrFunction Lower(Compilation compilation, IMethodSymbol method, bool isBaseline,
        List<ModelDiagnostic> diagnostics, Func<string, string> relative)
    {
        var syntax = (MethodDeclarationSyntax)method.DeclaringSyntaxReferences.Single().GetSyntax();
        var model = compilation.GetSemanticModel(syntax.SyntaxTree);
        return new ModelLowering(model, relative(syntax.SyntaxTree.FilePath), diagnostics).LowerMethod(method, syntax, isBaseline);
    }

    public static bool IsExtern(ISymbol symbol) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ExternAttribute);

    IrFunction LowerMethod(IMethodSymbol method, MethodDeclarationSyntax syntax, bool isBaseline)
    {
        // The root state declares every function virtual; a later state
        // overrides what its patch changes, or declares a new virtual for a
        // function the patch adds or whose signature it changes.
        var ok = isBaseline ? method.IsVirtual && !method.IsOverride : method.IsOverride || method.IsVirtual;
        if (!ok)
            Report(Codes.NotOverridable, syntax.Identifier,
                $"{method.Name} must be {(isBaseline ? "virtual" : "an override or a new virtual")} in {method.ContainingType.Name}");
        if (syntax.Body is null)
            Report(Codes.UnsupportedStatement, syntax.Identifier, $"{method.Name} needs a block body");

        var parameters = syntax.ParameterList.Parameters
            .Select(p => new IrParam(ParameterType(p), p.Identifier.ValueText))
            .ToImmutableArray();
        var body = syntax.Body is null ? new IrBlock([], IrLayout.None) : LowerBlock(syntax.Body);
        return new IrFunction(
            method.Name,
            CFileOf(syntax.SyntaxTree.FilePath),
            method.DeclaredAccessibility != Accessibility.Public,
            MapType(syntax.ReturnType),
            parameters,
            ParseDoc(method),
            body,
            calls.Order(StringComparer.Ordinal).ToImmutableArray(),
            externs.Order(StringComparer.Ordinal).ToImmutableArray(),
            file,
            Line(syntax.Identifier),
            InsertAfterCandidates(method));
    }

    /// <summary>
    /// A ref parameter is C's pointer parameter (unsigned int *out_num,
    /// struct vring_desc *indirect): the model uses it as the object, C
    /// through the pointer.
    /// </summary>
    IrType ParameterType(ParameterSyntax p)
    {
        if (p.Modifiers.Any(m => m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword)))
            Report(Codes.UnsupportedType, p.Modifiers.First(), $"'{p.Modifiers.First().Text}' parameter; a model function takes 'ref' (a C pointer)");
        var type = MapType(p.Type!);
        return p.Modifiers.Any(m => m.IsKind(SyntaxKind.RefKeyword)) ? type with { Pointer = true } : type;
    }

    static bool IsRefParameter(ISymbol? s) => s is IParameterSymbol { RefKind: RefKind.Ref };

    static ImmutableArray<string> InsertAfterCandidates(IMethodSymbol method)
    {
        var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == InsertAfterAttribute);
        if (attribute is null)
            return [];
        var orElse = attribute.ConstructorArguments.Length > 1 && !attribute.ConstructorArguments[1].IsNull
            ? attribute.ConstructorArguments[1].Values.Select(v => (string)v.Value!)
            : [];
        return [(string)attribute.ConstructorArguments[0].Value!, .. orElse];
    }

    /// <summary>Models of drivers/vhost/X.c live in a folder named X.</summary>
    string CFileOf(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "";
        return $"drivers/vhost/{folder}.c";
    }

    // ---- statements ----

    IrBlock LowerBlock(BlockSyntax block) =>
        new(block.Statements.Select(LowerStatement).ToImmutableArray(), Layout(block));

    IrStmt LowerStatement(StatementSyntax s)
    {
        var layout = Layout(s);
        switch (s)
        {
            case BlockSyntax b:
                return LowerBlock(b);
            case LocalDeclarationStatementSyntax d:
                return LowerDeclaration(d, layout);
            case ExpressionStatementSyntax e:
                return new IrExprStmt(LowerExpr(e.Expression), layout);
            case IfStatementSyntax i:
                return new IrIf(LowerExpr(i.Condition), LowerStatement(i.Statement),
                    i.Else is null ? null : LowerStatement(i.Else.Statement), layout);
            case ForStatementSyntax f:
                return LowerFor(f, layout);
            case WhileStatementSyntax w:
                return new IrWhile(LowerExpr(w.Condition), LowerStatement(w.Statement), layout);
            case DoStatementSyntax d:
                return new IrDoWhile(LowerStatement(d.Statement), LowerExpr(d.Condition), layout);
            case ForEachStatementSyntax fe:
                return LowerForeach(fe, layout);
            case ReturnStatementSyntax r:
                return new IrReturn(r.Expression is null ? null : LowerExpr(r.Expression), layout);
            case BreakStatementSyntax:
                return new IrBreak(layout);
            case ContinueStatementSyntax:
                return new IrContinue(layout);
            case GotoStatementSyntax g when g.IsKind(SyntaxKind.GotoStatement) && g.Expression is IdentifierNameSyntax label:
                return new IrGoto(label.Identifier.ValueText, layout);
            case LabeledStatementSyntax l:
                return new IrLabeled(l.Identifier.ValueText, LowerStatement(l.Statement), layout);
            case CheckedStatementSyntax c:
                Report(Codes.CheckedContext, c.Keyword, $"'{c.Keyword.Text}' block");
                return LowerBlock(c.Block);
            default:
                Report(Codes.UnsupportedStatement, s.GetFirstToken(), $"'{s.Kind()}' has no kernel-C counterpart here");
                return new IrBlock([], layout);
        }
    }

    IrStmt LowerDeclaration(LocalDeclarationStatementSyntax d, IrLayout layout)
    {
        if (d.Declaration.Type.IsVar)
            Report(Codes.ImplicitType, d.Declaration.Type.GetFirstToken(), "'var' hides the C type");
        if (model.GetTypeInfo(d.Declaration.Type).Type is INamedTypeSymbol union && IsAnonymousUnion(union))
            return LowerUnionDeclaration(d, union, layout);
        var type = MapType(d.Declaration.Type);
        var declarators = d.Declaration.Variables
            .Select(v => new IrDeclarator(v.Identifier.ValueText, v.Initializer is null ? null : LowerExpr(v.Initializer.Value)))
            .ToImmutableArray();
        return new IrDecl(type, declarators, layout);
    }

    static bool IsAnonymousUnion(ITypeSymbol t) =>
        t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AnonymousUnionAttribute);

    /// <summary>
    /// union { struct a x; struct b y; } rsp; C overlaps the members, so the
    /// C# struct must too (explicit layout, every member at offset 0), and a
    /// member must be something C can hold by value.
    /// </summary>
    IrStmt LowerUnionDeclaration(LocalDeclarationStatementSyntax d, INamedTypeSymbol union, IrLayout layout)
    {
        var at = d.Declaration.Type.GetFirstToken();
        if (union.TypeKind != TypeKind.Struct || !HasExplicitLayout(union))
            Report(Codes.UnsupportedUnion, at, $"{union.Name} is not a struct with [StructLayout(LayoutKind.Explicit)]: its members would not overlap in C#");
        var members = ImmutableArray.CreateBuilder<IrParam>();
        foreach (var f in union.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
        {
            if (FieldOffset(f) != 0)
                Report(Codes.UnsupportedUnion, at, $"{union.Name}.{f.Name} is not at [FieldOffset(0)]: C puts every union member at offset 0");
            if (f.Type.TypeKind == TypeKind.Struct && IsKernelStruct(f.Type))
                members.Add(new IrParam(new IrType($"struct {f.Type.Name}", false), f.Name));
            else if (IsIntegral(f.Type) && f.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is VariableDeclaratorSyntax
                     { Parent: VariableDeclarationSyntax decl })
                members.Add(new IrParam(MapType(decl.Type), f.Name));
            else
                Report(Codes.UnsupportedUnion, at, $"{union.Name}.{f.Name} is neither a kernel struct held by value nor an integer");
        }
        foreach (var v in d.Declaration.Variables.Where(v => v.Initializer is not null))
            Report(Codes.UnsupportedUnion, v.Identifier, $"'{v.Identifier.ValueText}' has an initializer; zero it with '{v.Identifier.ValueText} = default;' (memset)");
        return new IrUnionDecl(members.ToImmutable(), d.Declaration.Variables.Select(v => v.Identifier.ValueText).ToImmutableArray(), layout);
    }

    static bool HasExplicitLayout(INamedTypeSymbol t) =>
        t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == StructLayoutAttribute
                                   && a.ConstructorArguments.FirstOrDefault().Value is int kind
                                   && kind == (int)System.Runtime.InteropServices.LayoutKind.Explicit);

    static int? FieldOffset(IFieldSymbol f) =>
        f.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == FieldOffsetAttribute)
            ?.ConstructorArguments[0].Value as int?;

    /// <summary>
    /// The managed size of a struct is its C size only when its layout says
    /// so: an explicit Size, or a union of such structs (or integers).
    /// </summary>
    static bool HasCSize(ITypeSymbol t)
    {
        if (t.TypeKind != TypeKind.Struct || IsIntegral(t) || t.SpecialType == SpecialType.System_Boolean)
            return true;
        if (IsAnonymousUnion(t))
            return t.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst).All(f => HasCSize(f.Type));
        return t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == StructLayoutAttribute
                                          && a.NamedArguments.Any(n => n.Key == "Size" && n.Value.Value is int size && size > 0));
    }

    IrStmt LowerFor(ForStatementSyntax f, IrLayout layout)
    {
        if (f.Declaration is not null)
            Report(Codes.UnsupportedStatement, f.Declaration.GetFirstToken(), "declaration in a for initializer; declare the counter before the loop");
        var counters = NonNegativeCounters(f);
        foreach (var c in counters)
            nonNegativeCounters.Add(c);
        var condition = f.Condition is null ? null : LowerExpr(f.Condition);
        foreach (var c in counters)
            nonNegativeCounters.Remove(c);
        return new IrFor(
            f.Initializers.Select(LowerExpr).ToImmutableArray(),
            condition,
            f.Incrementors.Select(LowerExpr).ToImmutableArray(),
            LowerStatement(f.Statement),
            layout);
    }

    /// <summary>
    /// Loop counters that start at a non-negative constant, only count up in
    /// the incrementor, and are not assigned in the body: comparing them with
    /// an unsigned value means the same in C and C#.
    /// </summary>
    List<ISymbol> NonNegativeCounters(ForStatementSyntax f)
    {
        var result = new List<ISymbol>();
        foreach (var init in f.Initializers.OfType<AssignmentExpressionSyntax>())
        {
            if (!init.IsKind(SyntaxKind.SimpleAssignmentExpression) || init.Left is not IdentifierNameSyntax id)
                continue;
            if (model.GetConstantValue(init.Right) is not { HasValue: true, Value: int start } || start < 0)
                continue;
            var symbol = model.GetSymbolInfo(id).Symbol;
            if (symbol is null)
                continue;
            var countsUp = f.Incrementors.Count > 0 && f.Incrementors.All(inc => inc switch
            {
                PostfixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PostIncrementExpression) && Refers(p.Operand, symbol),
                PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) && Refers(p.Operand, symbol),
                _ => false,
            });
            var assignedInBody = f.Statement.DescendantNodesAndSelf().Any(n => n switch
            {
                AssignmentExpressionSyntax a => Refers(a.Left, symbol),
                PostfixUnaryExpressionSyntax p => Refers(p.Operand, symbol),
                PrefixUnaryExpressionSyntax p => p.OperatorToken.Text is "++" or "--" && Refers(p.Operand, symbol),
                _ => false,
            });
            if (countsUp && !assignedInBody)
                result.Add(symbol);
        }
        return result;
    }

    bool Refers(ExpressionSyntax e, ISymbol symbol) =>
        e is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(e).Symbol, symbol);

    IrStmt LowerForeach(ForEachStatementSyntax fe, IrLayout layout)
    {
        if (fe.Expression is not InvocationExpressionSyntax inv
            || model.GetSymbolInfo(inv).Symbol is not IMethodSymbol { Name: "list_for_each_entry" } walk
            || !IsExtern(walk.OriginalDefinition)
            || inv.ArgumentList.Arguments.Count != 1)
        {
            Report(Codes.UnsupportedForeach, fe.ForEachKeyword, "foreach over something other than list_for_each_entry(head)");
            return new IrBlock([], layout);
        }
        if (fe.Type.IsVar)
            Report(Codes.ImplicitType, fe.Type.GetFirstToken(), "'var' hides the C type");
        var entryType = model.GetTypeInfo(fe.Type).Type;
        var link = entryType?.GetMembers().OfType<IFieldSymbol>()
            .FirstOrDefault(f => f.Type.Name == "list_head" && f.Type is INamedTypeSymbol { IsGenericType: false });
        if (link is null)
        {
            Report(Codes.UnsupportedForeach, fe.Type.GetFirstToken(), $"{entryType?.Name} has no list_head member to walk by");
            return new IrBlock([], layout);
        }
        return new IrListWalk(
            fe.Identifier.ValueText,
            MapType(fe.Type),
            LowerExpr(inv.ArgumentList.Arguments[0].Expression),
            link.Name,
            LowerStatement(fe.Statement),
            layout);
    }

    // ---- expressions ----

    IrExpr LowerExpr(ExpressionSyntax e)
    {
        switch (e)
        {
            case LiteralExpressionSyntax lit:
                return LowerLiteral(lit);
            case IdentifierNameSyntax id:
                return LowerName(id);
            case ThisExpressionSyntax:
                Report(Codes.UnsupportedExpression, e.GetFirstToken(), "'this' on its own");
                return new IrName("this");
            case MemberAccessExpressionSyntax ma:
                return LowerMemberAccess(ma);
            case ElementAccessExpressionSyntax ea when ea.ArgumentList.Arguments.Count == 1:
                var element = new IrIndex(LowerExpr(ea.Expression), LowerExpr(ea.ArgumentList.Arguments[0].Expression));
                return IsByValue(ea) ? AddressWhenUsedAsValue(ea, element) : element;
            case InvocationExpressionSyntax inv:
                return LowerCall(inv);
            case ParenthesizedExpressionSyntax p:
                return new IrParen(LowerExpr(p.Expression));
            case CastExpressionSyntax c:
                return LowerCast(c);
            case BinaryExpressionSyntax b:
                return LowerBinary(b);
            case AssignmentExpressionSyntax a when a.Right.IsKind(SyntaxKind.DefaultLiteralExpression) || a.Right is DefaultExpressionSyntax:
                return LowerZeroing(a);
            case AssignmentExpressionSyntax a:
                CheckShift(a.OperatorToken, a.Left, a.Right);
                CheckSignedness(a, a.Left, a.Right);
                CheckPromotion(a.OperatorToken, a.Left, a.Right);
                return new IrAssign(a.OperatorToken.Text, LowerExpr(a.Left), LowerExpr(a.Right));
            case PrefixUnaryExpressionSyntax u when u.OperatorToken.Text is "!" or "-" or "~" or "+" or "++" or "--":
                return new IrUnary(u.OperatorToken.Text, LowerExpr(u.Operand), false);
            case PostfixUnaryExpressionSyntax u when u.OperatorToken.Text is "++" or "--":
                return new IrUnary(u.OperatorToken.Text, LowerExpr(u.Operand), true);
            case PostfixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                // x! only quiets C#'s null analysis (which cannot see through
                // likely()/unlikely()); it has no meaning at run time.
                return LowerExpr(u.Operand);
            case ConditionalExpressionSyntax c:
                return new IrConditional(LowerExpr(c.Condition), LowerExpr(c.WhenTrue), LowerExpr(c.WhenFalse));
            case CheckedExpressionSyntax c:
                Report(Codes.CheckedContext, c.Keyword, $"'{c.Keyword.Text}' expression");
                return LowerExpr(c.Expression);
            default:
                Report(Codes.UnsupportedExpression, e.GetFirstToken(), $"'{e.Kind()}' has no kernel-C counterpart here");
                return new IrName("/* unsupported */");
        }
    }

    /// <summary>
    /// x = default; zeroes a struct held by value: memset(&amp;x, 0,
    /// sizeof(x)) in C, which clears every byte as C#'s default does. A
    /// scalar or a pointer has its own zero (0, NULL).
    /// </summary>
    IrExpr LowerZeroing(AssignmentExpressionSyntax a)
    {
        var type = model.GetTypeInfo(a.Left).Type;
        var isStructValue = type is { TypeKind: TypeKind.Struct } && (IsKernelStruct(type) || IsAnonymousUnion(type));
        if (!a.IsKind(SyntaxKind.SimpleAssignmentExpression) || !isStructValue || a.Parent is not ExpressionStatementSyntax)
        {
            Report(Codes.UnsupportedExpression, a.Right.GetFirstToken(),
                "'default' only zeroes a kernel struct held by value, as a statement (memset); write 0 or NULL for a scalar or a pointer");
            return LowerExpr(a.Left);
        }
        var target = LowerExpr(a.Left);
        return new IrCall("memset",
            [new IrAddressOf(target), new IrLiteral("0"), new IrCall("sizeof", [target], [false], "sizeof({0})")],
            [false, false, false]);
    }

    IrExpr LowerLiteral(LiteralExpressionSyntax lit)
    {
        switch (lit.Kind())
        {
            case SyntaxKind.NumericLiteralExpression when lit.Token.Value is not (float or double or decimal):
                return new IrLiteral(lit.Token.Text);
            case SyntaxKind.TrueLiteralExpression:
            case SyntaxKind.FalseLiteralExpression:
                return new IrLiteral(lit.Token.Text);
            case SyntaxKind.NullLiteralExpression:
                return new IrLiteral("NULL");
            case SyntaxKind.StringLiteralExpression
                when lit.Parent is ArgumentSyntax && !lit.Token.Text.StartsWith('@')
                     && !System.Text.RegularExpressions.Regex.IsMatch(lit.Token.Text, @"\\[^nt""\\]"):
                // A format string handed to a kernel API; C# and C spell these
                // escapes alike.
                return new IrLiteral(lit.Token.Text);
            default:
                Report(Codes.UnsupportedExpression, lit.Token, $"literal {lit.Token.Text}");
                return new IrLiteral(lit.Token.Text);
        }
    }

    IrExpr LowerName(IdentifierNameSyntax id)
    {
        var symbol = model.GetSymbolInfo(id).Symbol;
        switch (symbol)
        {
            case IParameterSymbol p when IsRefParameter(p):
                return new IrDeref(new IrName(id.Identifier.ValueText));
            case ILocalSymbol or IParameterSymbol:
                return new IrName(id.Identifier.ValueText);
            case IFieldSymbol f when f.IsConst && IsExtern(f):
                externs.Add(f.Name);
                return new IrName(f.Name);
            case IMethodSymbol:
                return new IrName(id.Identifier.ValueText);
            default:
                Report(Codes.UnsupportedExpression, id.Identifier,
                    $"'{id.Identifier.ValueText}' is neither a local, a parameter nor an [Extern] constant");
                return new IrName(id.Identifier.ValueText);
        }
    }

    IrExpr LowerMemberAccess(MemberAccessExpressionSyntax ma)
    {
        var symbol = model.GetSymbolInfo(ma).Symbol;
        if (ma.Expression is ThisExpressionSyntax || (symbol is IFieldSymbol { IsConst: true } c && IsExtern(c)))
            return new IrName(ma.Name.Identifier.ValueText);
        if (symbol is IPropertySymbol { Name: "Value" } value && value.ContainingType.OriginalDefinition.ToDisplayString() == PtrType)
            return new IrDeref(LowerExpr(ma.Expression));
        if (symbol is not IFieldSymbol field)
        {
            Report(Codes.UnsupportedExpression, ma.Name.Identifier, $"'{ma.Name}' is not a field of a kernel struct");
            return new IrName(ma.Name.Identifier.ValueText);
        }
        // Through a pointer unless the object is a struct value or a struct
        // embedded in another (vs->dev.iov_limit).
        var through = field.ContainingType.TypeKind == TypeKind.Class && !IsByValue(ma.Expression);
        var target = LowerExpr(ma.Expression);
        // A struct behind a ref parameter: indirect->len.
        if (target is IrDeref { Operand: IrName } deref && field.ContainingType.TypeKind == TypeKind.Struct)
            (target, through) = (deref.Operand, true);
        var access = new IrField(target, field.Name, through);
        return IsEmbedded(field) ? AddressWhenUsedAsValue(ma, access) : access;
    }

    static bool IsEmbedded(IFieldSymbol field) =>
        field.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == EmbeddedAttribute);

    /// <summary>
    /// A struct object that C holds by value although C# holds a reference: a
    /// member embedded in another struct, or an element of an array of
    /// structs (&amp;svq->scsi_cmds[i]).
    /// </summary>
    bool IsByValue(ExpressionSyntax e) => e switch
    {
        MemberAccessExpressionSyntax => model.GetSymbolInfo(e).Symbol is IFieldSymbol f && IsEmbedded(f),
        ElementAccessExpressionSyntax ea => model.GetTypeInfo(ea).Type is { TypeKind: TypeKind.Class } t && IsKernelStruct(t),
        ParenthesizedExpressionSyntax p => IsByValue(p.Expression),
        _ => false,
    };

    static bool IsKernelStruct(ITypeSymbol t) =>
        t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KernelStructAttribute);

    /// <summary>A by-value struct used as a pointer value is its address; accessed through, or passed by ref, it is itself.</summary>
    static IrExpr AddressWhenUsedAsValue(ExpressionSyntax e, IrExpr lowered)
    {
        var isAccessedThrough = e.Parent is MemberAccessExpressionSyntax outer && outer.Expression == e;
        var isRefArgument = e.Parent is ArgumentSyntax arg && arg.RefKindKeyword.IsKind(SyntaxKind.RefKeyword);
        return isAccessedThrough || isRefArgument ? lowered : new IrAddressOf(lowered);
    }

    /// <summary>
    /// ref x and out x both pass &amp;x. out is for a kernel API that fills
    /// the object in (iov_iter_init), which C# lets a caller hand over
    /// uninitialized; a model function takes a Ptr&lt;T&gt; instead.
    /// </summary>
    IrExpr LowerArgument(ArgumentSyntax a, IMethodSymbol target)
    {
        if (a.RefKindKeyword.IsKind(SyntaxKind.InKeyword))
            Report(Codes.UnsupportedExpression, a.RefKindKeyword, "'in' argument; pass the address with 'ref'");
        if (a.RefKindKeyword.IsKind(SyntaxKind.OutKeyword) && !IsExtern(target))
            Report(Codes.UnsupportedExpression, a.RefKindKeyword,
                $"'out' argument to {target.Name}, which is not a kernel API; pass a Ptr<T> or use 'ref'");
        var value = LowerExpr(a.Expression);
        if (!a.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) && !a.RefKindKeyword.IsKind(SyntaxKind.OutKeyword))
            return value;
        // A ref parameter passed on is the pointer itself, not &*p.
        return value is IrDeref { Operand: IrName } deref ? deref.Operand : new IrAddressOf(value);
    }

    IrExpr LowerCall(InvocationExpressionSyntax inv)
    {
        // nameof(struct.member) names a member, as container_of() needs.
        if (inv.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" } && model.GetConstantValue(inv) is { HasValue: true, Value: string member })
            return new IrName(member);
        if (model.GetSymbolInfo(inv).Symbol is not IMethodSymbol method)
        {
            Report(Codes.UnknownCall, inv.GetFirstToken(), $"cannot resolve the call '{inv.Expression}'");
            return new IrName("/* unresolved */");
        }
        var target = method.OriginalDefinition;
        if (!IsExtern(target) && !IsModelFunction(target))
        {
            Report(Codes.UnknownCall, inv.GetFirstToken(), $"'{method.Name}' is neither a model function nor an [Extern]");
        }
        else if (!IsExtern(target))
        {
            calls.Add(method.Name);
        }
        else
        {
            externs.Add(method.Name);
        }
        if (inv.Expression is MemberAccessExpressionSyntax { Expression: not ThisExpressionSyntax } ma)
            Report(Codes.UnknownCall, ma.GetFirstToken(), $"call through '{ma.Expression}'; call kernel functions by name");
        var args = inv.ArgumentList.Arguments.Select(a => LowerArgument(a, target)).ToImmutableArray();
        if (IsExtern(target) && target.Name is "sizeof_value" or "sizeof_struct" && method.TypeArguments is [var sized] && !HasCSize(sized))
            Report(Codes.UnsizedStruct, inv.GetFirstToken(),
                $"sizeof a {sized.Name}, whose C# layout does not give its C size: the managed size would differ");
        var conditions = inv.ArgumentList.Arguments
            .Select(a => model.GetTypeInfo(a.Expression).ConvertedType?.SpecialType == SpecialType.System_Boolean)
            .ToImmutableArray();
        var template = target.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == CFormAttribute)
            ?.ConstructorArguments[0].Value as string;
        if (template is not null)
            for (var t = 0; t < method.TypeArguments.Length; t++)
                template = template.Replace($"{{T{t}}}", method.TypeArguments[t].Name, StringComparison.Ordinal);
        return new IrCall(method.Name, args, conditions, template);
    }

    static bool IsModelFunction(IMethodSymbol method)
    {
        for (var t = method.ContainingType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == "VhostLog.Models.Kernel.KernelModel")
                return true;
        return false;
    }

    IrExpr LowerCast(CastExpressionSyntax c)
    {
        var type = MapType(c.Type);
        // A narrowing integer cast that C# demands but C performs by itself on
        // assignment is left out; casts C# does not need were written on purpose.
        var target = model.GetTypeInfo(c.Type).Type;
        var source = model.GetTypeInfo(c.Expression).Type;
        var implicitInC = IsIntegral(target) && IsIntegral(source)
                          && !model.Compilation.ClassifyConversion(source!, target!).IsImplicit
                          && c.Parent switch
                          {
                              EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax d } } =>
                                  SameType(d.Type, c.Type),
                              // *in_num += ret: C converts ret to the target's type as C#'s cast does.
                              AssignmentExpressionSyntax a when (a.IsKind(SyntaxKind.AddAssignmentExpression) || a.IsKind(SyntaxKind.SubtractAssignmentExpression))
                                                               && a.Right == c =>
                                  SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a.Left).Type, model.GetTypeInfo(c.Type).Type),
                              AssignmentExpressionSyntax a when a.IsKind(SyntaxKind.SimpleAssignmentExpression) && a.Right == c =>
                                  SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a.Left).Type, model.GetTypeInfo(c.Type).Type),
                              ReturnStatementSyntax r when r.Expression == c =>
                                  r.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } m && SameType(m.ReturnType, c.Type),
                              // Only while the other side keeps its type in C: (u32)a <= (u32)b of two
                              // ints, both casts left out, would compare signed.
                              BinaryExpressionSyntax b when b.OperatorToken.Text is "==" or "!=" or "<" or ">" or "<=" or ">=" =>
                                  UsualConversion(source!, target!, model.GetTypeInfo(b.Left == c ? b.Right : b.Left).Type)
                                  && !IsDemandedIntegerCast(Unparenthesized(b.Left == c ? b.Right : b.Left)),
                              _ => false,
                          };
        return new IrCast(type, LowerExpr(c.Expression), implicitInC);
    }

    /// <summary>An integer cast C# demands (no implicit conversion): one the rules above may leave out of the C.</summary>
    bool IsDemandedIntegerCast(ExpressionSyntax e) =>
        e is CastExpressionSyntax c
        && model.GetTypeInfo(c.Type).Type is { } target && model.GetTypeInfo(c.Expression).Type is { } source
        && IsIntegral(target) && IsIntegral(source)
        && !model.Compilation.ClassifyConversion(source, target).IsImplicit;

    static ExpressionSyntax Unparenthesized(ExpressionSyntax e) =>
        e is ParenthesizedExpressionSyntax p ? Unparenthesized(p.Expression) : e;

    /// <summary>
    /// Whether C's usual arithmetic conversions turn an operand of type
    /// source, compared with one of type other, into target by themselves
    /// (ret == rsp_size converts the int to size_t): the cast C# demands
    /// then says nothing C does not already do. C widens to the other side's
    /// type when it is wider, or the same width and unsigned; below int
    /// everything is promoted first, so such targets are left alone.
    /// </summary>
    static bool UsualConversion(ITypeSymbol source, ITypeSymbol target, ITypeSymbol? other)
    {
        if (!SymbolEqualityComparer.Default.Equals(target, other))
            return false;
        int Width(ITypeSymbol t) => t.SpecialType switch
        {
            SpecialType.System_Byte or SpecialType.System_SByte => 1,
            SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
            SpecialType.System_Int32 or SpecialType.System_UInt32 => 4,
            _ => 8,
        };
        var unsignedTarget = target.SpecialType is SpecialType.System_UInt32 or SpecialType.System_UInt64;
        return Width(target) >= 4 && (Width(source) < Width(target) || (Width(source) == Width(target) && unsignedTarget));
    }

    bool SameType(TypeSyntax a, TypeSyntax b) =>
        MapType(a) == MapType(b)
        && SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a).Type, model.GetTypeInfo(b).Type);

    IrExpr LowerBinary(BinaryExpressionSyntax b)
    {
        var op = b.OperatorToken.Text;
        if (op is "==" or "!=")
        {
            var isEq = op == "==";
            if (b.Right.IsKind(SyntaxKind.NullLiteralExpression))
                return new IrNullTest(LowerExpr(b.Left), isEq);
            if (b.Left.IsKind(SyntaxKind.NullLiteralExpression))
                return new IrNullTest(LowerExpr(b.Right), isEq);
            if (IsZeroLiteral(b.Right) && IsIntegral(model.GetTypeInfo(b.Left).Type))
                return new IrZeroTest(LowerExpr(b.Left), isEq);
        }
        if (op is "is" or "as" or "??")
        {
            Report(Codes.UnsupportedExpression, b.OperatorToken, $"operator '{op}'");
            return LowerExpr(b.Left);
        }
        CheckShift(b.OperatorToken, b.Left, b.Right);
        CheckSignedness(b, b.Left, b.Right);
        CheckPromotion(b.OperatorToken, b.Left, b.Right);
        return new IrBinary(op, LowerExpr(b.Left), LowerExpr(b.Right));
    }

    static bool IsZeroLiteral(ExpressionSyntax e) =>
        e is LiteralExpressionSyntax { Token.Value: 0 or 0u or 0L or 0UL };

    void CheckShift(SyntaxToken op, ExpressionSyntax left, ExpressionSyntax right)
    {
        if (op.Text is not ("<<" or ">>" or "<<=" or ">>=" or ">>>" or ">>>="))
            return;
        if (op.Text.StartsWith(">>>", StringComparison.Ordinal))
        {
            Report(Codes.UnsupportedExpression, op, "'>>>' has no C counterpart");
            return;
        }
        var width = model.GetTypeInfo(left).ConvertedType?.SpecialType switch
        {
            SpecialType.System_Int64 or SpecialType.System_UInt64 => 64,
            _ => 32,
        };
        if (model.GetConstantValue(right) is not { HasValue: true, Value: int count })
            Report(Codes.UnsafeShift, op, $"shift count '{right}' is not a constant");
        else if (count < 0 || count >= width)
            Report(Codes.UnsafeShift, op, $"shift count {count} is outside 0..{width - 1}");
    }

    /// <summary>
    /// Both languages promote u8 and u16 operands to int. A product, or a
    /// left shift, of promoted values can then pass INT_MAX: C# wraps, C is
    /// undefined (UBSan reports it, and gcc may assume it never happens).
    /// Rejected unless the operands' widths show the result fits in 31 bits.
    /// A left shift of a signed int or s64 variable is rejected too (C: a
    /// negative value, or one shifted past the largest, is undefined), and
    /// of an s64 constant whose bits go past bit 62.
    /// </summary>
    void CheckPromotion(SyntaxToken op, ExpressionSyntax left, ExpressionSyntax right)
    {
        if (op.Text is not ("*" or "*=" or "<<" or "<<="))
            return;
        var shift = op.Text.StartsWith("<<", StringComparison.Ordinal);
        if (shift && model.GetConstantValue(left) is { HasValue: true, Value: long wide } && wide >= 0
            && model.GetConstantValue(right) is { HasValue: true, Value: int by }
            && 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)wide) + by > 63)
        {
            Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {by}' passes the largest s64");
            return;
        }
        if (shift && !model.GetConstantValue(left).HasValue
            && model.GetTypeInfo(left).Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)
        {
            Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {right}': a left shift of a signed value is undefined in C when the value is negative or the result passes the type's largest value");
            return;
        }
        var l = PromotedBits(left);
        if (l is null)
            return;
        if (op.Text.StartsWith("<<", StringComparison.Ordinal))
        {
            if (model.GetConstantValue(right) is { HasValue: true, Value: int count } && l + count > 31)
                Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {count}': a {l}-bit value shifted by {count} can pass INT_MAX in the int C computes it in");
            return;
        }
        if (PromotedBits(right) is { } r && l + r > 31)
            Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {right}': the product of a {l}-bit and a {r}-bit value can pass INT_MAX in the int C computes it in");
    }

    /// <summary>How many bits a value C promotes to int can have: its type's width (u8, u16), or a constant's own; null for the rest.</summary>
    int? PromotedBits(ExpressionSyntax e)
    {
        if (model.GetConstantValue(e) is { HasValue: true, Value: int v } && v >= 0)
            return v == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)v);
        return model.GetTypeInfo(e).Type?.SpecialType switch
        {
            SpecialType.System_Byte => 8,
            SpecialType.System_UInt16 => 16,
            _ => null,
        };
    }

    void CheckSignedness(SyntaxNode node, ExpressionSyntax left, ExpressionSyntax right)
    {
        var lt = model.GetTypeInfo(left).Type;
        var rt = model.GetTypeInfo(right).Type;
        if (!IsSmallSigned(lt) && !IsSmallSigned(rt))
            return;
        if (!IsUnsignedWide(lt) && !IsUnsignedWide(rt))
            return;
        var signedSide = IsSmallSigned(lt) ? left : right;
        if (model.GetConstantValue(signedSide) is { HasValue: true, Value: int v } && v >= 0)
            return;
        if (signedSide is IdentifierNameSyntax id && model.GetSymbolInfo(id).Symbol is { } s && nonNegativeCounters.Contains(s))
            return;
        if (model.GetSymbolInfo(signedSide).Symbol is IFieldSymbol count
            && count.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NonNegativeAttribute))
            return;
        // == and != agree in both languages while the unsigned value is below
        // 2^31, which a field's [UpperBound] can promise.
        var unsignedSide = signedSide == left ? right : left;
        if (node is BinaryExpressionSyntax { OperatorToken.Text: "==" or "!=" }
            && model.GetSymbolInfo(unsignedSide).Symbol is IFieldSymbol bounded
            && bounded.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == UpperBoundAttribute)
                ?.ConstructorArguments[0].Value is long bound && bound <= int.MaxValue)
            return;
        Report(Codes.MixedSignedness, node.GetFirstToken(), $"'{node}' mixes a signed and an unsigned operand");
    }

    static bool IsSmallSigned(ITypeSymbol? t) =>
        t?.SpecialType is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32;

    static bool IsUnsignedWide(ITypeSymbol? t) => t?.SpecialType is SpecialType.System_UInt32;

    static bool IsIntegral(ITypeSymbol? t) => t?.SpecialType is
        SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
        or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64;

    // ---- types ----

    IrType MapType(TypeSyntax syntax)
    {
        switch (syntax)
        {
            case NullableTypeSyntax n:
                return MapType(n.ElementType);
            case PredefinedTypeSyntax p when p.Keyword.Text is "int" or "bool" or "void":
                return IrType.Scalar(p.Keyword.Text);
            case PredefinedTypeSyntax p:
                Report(Codes.UnsupportedType, p.Keyword, $"C# type '{p.Keyword.Text}'");
                return IrType.Scalar(p.Keyword.Text);
            case IdentifierNameSyntax id when id.IsVar:
                return IrType.Scalar("var");
            case IdentifierNameSyntax id when model.GetAliasInfo(id) is { } alias:
                return IrType.Scalar(AliasSpelling.GetValueOrDefault(alias.Name, alias.Name));
            case GenericNameSyntax g when g.TypeArgumentList.Arguments.Count == 1
                                          && model.GetTypeInfo(g).Type?.OriginalDefinition.ToDisplayString() == PtrType:
                return MapType(g.TypeArgumentList.Arguments[0]) with { Pointer = true };
            case GenericNameSyntax g when g.TypeArgumentList.Arguments.Count == 1
                                          && model.GetTypeInfo(g).Type?.OriginalDefinition.ToDisplayString() == TypedUserPtrType:
                return new IrType($"{MapType(g.TypeArgumentList.Arguments[0]).Base} __user", true);
            case ArrayTypeSyntax a when a.RankSpecifiers.Count == 1:
                var element = MapType(a.ElementType);
                return element with { Pointer = true };
            default:
                var type = model.GetTypeInfo(syntax).Type;
                if (type?.ToDisplayString() == UserPtrType)
                    return new IrType("void __user", true);
                if (type is not null && IsAnonymousUnion(type))
                {
                    Report(Codes.UnsupportedUnion, syntax.GetFirstToken(), $"{type.Name} is an anonymous union: C can only declare a local of it");
                    return IrType.Scalar("union");
                }
                if (type is not null && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KernelStructAttribute))
                    return new IrType($"struct {type.Name}", type.TypeKind == TypeKind.Class);
                Report(Codes.UnsupportedType, syntax.GetFirstToken(), $"type '{syntax}'");
                return IrType.Scalar(syntax.ToString());
        }
    }

    // ---- documentation and layout ----

    static IrDoc? ParseDoc(IMethodSymbol method)
    {
        var xml = method.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml))
            return null;
        var doc = XElement.Parse(xml);
        return new IrDoc(
            Flatten(doc.Element("summary")),
            doc.Elements("param").Select(p => ((string?)p.Attribute("name") ?? "", Flatten(p))).ToImmutableArray(),
            Flatten(doc.Element("remarks")),
            Flatten(doc.Element("returns")));
    }

    static string Flatten(XElement? e) =>
        e is null ? "" : string.Join(' ', e.Value.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

    IrLayout Layout(SyntaxNode node)
    {
        var first = node.GetFirstToken();
        var blank = false;
        var seenComment = false;
        var comment = ImmutableArray.CreateBuilder<string>();
        foreach (var t in first.LeadingTrivia)
        {
            if (t.IsKind(SyntaxKind.EndOfLineTrivia) && !seenComment)
                blank = true;
            else if (t.IsKind(SyntaxKind.SingleLineCommentTrivia))
            {
                seenComment = true;
                comment.Add(t.ToString()[2..].Trim());
            }
            else if (t.IsKind(SyntaxKind.MultiLineCommentTrivia))
            {
                seenComment = true;
                var text = t.ToString()[2..^2];
                comment.AddRange(text.Split('\n').Select(l => l.Trim().TrimStart('*').Trim()).Where(l => l.Length > 0));
            }
        }
        foreach (var t in node.GetLastToken().TrailingTrivia)
            if (t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
                Report(Codes.UnsupportedComment, node.GetLastToken(), "comment at the end of a line");
        return new IrLayout(blank, comment.ToImmutable());
    }

    void Report(string code, SyntaxToken at, string message) =>
        diagnostics.Add(new ModelDiagnostic(code, file, Line(at), message));

    static int Line(SyntaxToken t) => t.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
}
