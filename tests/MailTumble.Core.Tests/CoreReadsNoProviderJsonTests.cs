using System.Reflection;
using System.Reflection.Emit;
using MailTumble.Core.Aliases;

namespace MailTumble.Core.Tests;

/// <summary>
/// Provider formats (SES notifications, SNS envelopes) are read in MailTumble.Aws behind <c>IFeedbackDocumentReader</c>;
/// Core keeps the decisions. Core still names System.Text.Json in one place: <see cref="AliasTargets"/>, the per-target
/// counters every directory driver stores as one JSON text. This reads every Core type's fields, signatures, locals and
/// method bodies (the members each instruction names), so a JSON parser that comes back to Core fails here, whichever type
/// it is in and however the source spells it.
/// </summary>
public sealed class CoreReadsNoProviderJsonTests
{
    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value);

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Only_the_alias_target_state_names_System_Text_Json()
    {
        var users = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in typeof(CoreServiceCollectionExtensions).Assembly.GetTypes())
        {
            if (NamesJson(type))
            {
                users.Add(Outermost(type).FullName!);
            }
        }

        Assert.Equal(typeof(AliasTargets).FullName, string.Join(", ", users)); // also shows the scan sees JSON at all
    }

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static bool NamesJson(Type type)
    {
        if (IsJson(type.BaseType) || type.GetInterfaces().Any(IsJson) || type.GetFields(Declared).Any(f => IsJson(f.FieldType)))
        {
            return true;
        }

        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if ((method is MethodInfo m && IsJson(m.ReturnType)) || method.GetParameters().Any(p => IsJson(p.ParameterType)))
            {
                return true;
            }

            var body = method.GetMethodBody();
            if (body is not null && (body.LocalVariables.Any(l => IsJson(l.LocalType)) || BodyNamesJson(method, body.GetILAsByteArray()!)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Walks the IL instruction by instruction and resolves every member or type token.</summary>
    private static bool BodyNamesJson(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (ushort)(0xFE00 | il[i + 1]) : il[i];
            i += value > 0xFF ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                    i += 4;
                    if (MemberNamesJson(member))
                    {
                        return true;
                    }

                    break;
                default:
                    i += 4; // InlineI, InlineBrTarget, InlineSig, InlineString, ShortInlineR
                    break;
            }
        }

        return false;
    }

    private static bool MemberNamesJson(MemberInfo? member) => member switch
    {
        Type type => IsJson(type),
        FieldInfo field => IsJson(field.DeclaringType) || IsJson(field.FieldType),
        MethodInfo method => IsJson(method.DeclaringType) || IsJson(method.ReturnType) || method.GetParameters().Any(p => IsJson(p.ParameterType))
            || (method.IsGenericMethod && method.GetGenericArguments().Any(IsJson)),
        ConstructorInfo constructor => IsJson(constructor.DeclaringType) || constructor.GetParameters().Any(p => IsJson(p.ParameterType)),
        _ => false,
    };

    private static bool IsJson(Type? type) =>
        type is not null
        && (type.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true
            || (type.HasElementType && IsJson(type.GetElementType()))
            || (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(IsJson)));
}
