using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace MailTumble.Web.Tests;

/// <summary>The accessibility check every page passes: axe-core finds no serious or critical violation.</summary>
internal static class Axe
{
    public static async Task AssertNoSeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{page.Url}: " + string.Join("; ", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }
}
