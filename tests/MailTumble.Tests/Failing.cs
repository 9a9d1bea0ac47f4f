using System.Reflection;

namespace MailTumble.Tests;

/// <summary>An implementation of any interface whose every member throws something no caller expects.</summary>
internal class Failing : DispatchProxy
{
    public const string Message = "the test's failing store failed";

    public static T Create<T>()
        where T : class => Create<T, Failing>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new NotSupportedException(Message);
}
