using System.Reflection;
using Microsoft.Extensions.Logging;

namespace MailTumble.Tests;

/// <summary>
/// Every <c>[LoggerMessage]</c> of the relay has an event id, unique across the relay and inside its project's range, so a
/// log pipeline can filter or alert on one event whatever its text says (README, Logging).
/// </summary>
public sealed class LogEventIdTests
{
    private static readonly Dictionary<string, int> RangeStart = new(StringComparer.Ordinal)
    {
        ["MailTumble.Core"] = 1000, ["MailTumble.Smtp"] = 2000, ["MailTumble.Aws"] = 3000, ["MailTumble.Sqlite"] = 4000,
        ["MailTumble.Sql"] = 5000, ["MailTumble.Postgres"] = 6000, ["MailTumble.Files"] = 7000,
        ["MailTumble.RestDirectory"] = 8000, ["MailTumble.Web"] = 9000, ["MailTumble.Api"] = 10000, ["mailtumble"] = 11000, // the host (src/MailTumble)
        ["MailTumble.Webhooks"] = 12000,
    };

    [Fact]
    public void Every_log_event_has_an_id_unique_and_in_its_projects_range()
    {
        var events = LogEvents().ToList();
        Assert.True(events.Count >= 100, $"found only {events.Count} [LoggerMessage] declarations: is the scan broken?");

        var problems = new List<string>();
        foreach (var (project, method, id) in events)
        {
            if (!RangeStart.TryGetValue(project, out var start))
                problems.Add($"{method}: project {project} has no event id range here");
            else if (id < start || id >= start + 1000)
                problems.Add($"{method}: event id {id} is outside {project}'s range {start}-{start + 999}");
        }

        problems.AddRange(events.GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"event id {g.Key} is used by {string.Join(", ", g.Select(e => e.Method))}"));
        Assert.Empty(problems);
    }

    private static IEnumerable<(string Project, string Method, int Id)> LogEvents()
    {
        foreach (var project in RangeStart.Keys)
        {
            var path = Path.Combine(AppContext.BaseDirectory, project + ".dll");
            Assert.True(File.Exists(path), $"{path} is not next to the tests");
            var assembly = Assembly.LoadFrom(path);
            foreach (var type in assembly.GetTypes())
            {
                const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
                foreach (var method in type.GetMethods(all))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                        yield return (project, $"{type.FullName}.{method.Name}", attribute.EventId);
                }
            }
        }
    }
}
