using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Held;

/// <summary>Blocking the senders of held mail while rejecting it (approving can allow them through the Moderator).</summary>
internal static class HeldActions
{
    /// <summary>Sets a block rule for each (alias, sender) of the named undecided entries; returns how many rules.</summary>
    public static async Task<int> BlockSendersAsync(IServiceProvider services, IReadOnlyCollection<string> ids, TimeProvider time, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IHeldStore>();
        var rules = services.GetRequiredService<ISenderRuleStore>();
        var audit = services.GetRequiredService<ModerationAudit>();
        var held = await store.ListAsync(new HeldQuery(ids), cancellationToken).ConfigureAwait(false);
        var pairs = held.Where(h => h.Sender.Length > 0).Select(h => (h.Item.Alias, h.Sender)).Distinct().ToList();
        foreach (var (alias, sender) in pairs)
        {
            var rule = new SenderRule(SenderPattern.Parse(sender), alias, SenderRuleAction.Block, false, time.GetUtcNow(), ConsolePage.By, "rejected held mail");
            await rules.SetAsync(rule, cancellationToken).ConfigureAwait(false);
            audit.SenderRuleSet(rule);
        }

        return pairs.Count;
    }
}
