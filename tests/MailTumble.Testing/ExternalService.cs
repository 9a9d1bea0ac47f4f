namespace MailTumble.Testing;

/// <summary>
/// Where a test finds a server that <c>.ci/run</c> starts. In CI (or when the variable is set) the test must run
/// and fails loudly when the server is not there; on a developer machine without the variable it is skipped.
/// </summary>
public static class ExternalService
{
    /// <summary>Returns the variable's value, or skips the test (outside CI) with a message saying how to run it.</summary>
    public static string Require(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException($"{variable} is not set but CI is: .ci/run must start {what} and export {variable}");
        }

        throw new SkipException($"{variable} is not set: run .ci/run (it starts {what} on loopback) or set {variable} to run this test");
    }
}
