using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;

namespace MailTumble.Testing.Contracts;

/// <summary>
/// What every alias directory driver must do. Subclass once per driver (and once per server it talks to).
/// Each test uses its own run id in every address, so drivers over a shared server do not see each other's rows.
/// </summary>
public abstract class AliasDirectoryContract
{
    /// <summary>The domain every seeded alias lives in.</summary>
    protected const string Domain = "mask.example.com";

    /// <summary>Addresses that must never reach a URL path, a query or a SQL statement as written.</summary>
    public static readonly TheoryData<string> HostileAddresses = new()
    {
        "../../etc/passwd@mask.example.com",
        "..%2f..%2fadmin@mask.example.com",
        "a%2fb@mask.example.com",
        "\"quoted\"@mask.example.com",
        "x' OR '1'='1@mask.example.com",
        "x'; DROP TABLE aliases; --@mask.example.com",
        "x\"; DROP TABLE aliases; --@mask.example.com",
        "x\\@mask.example.com",
        "x?admin=1@mask.example.com",
        "x#frag@mask.example.com",
        "x\r\nHost: evil.example@mask.example.com",
        "x@mask.example.com/../../admin",
        new string('a', 1000) + "@mask.example.com",
        "ünïcødé-" + new string('é', 300) + "@mask.example.com",
        "%00@mask.example.com",
        "",
    };

    /// <summary>
    /// Hostile addresses that the address parser accepts, so they do reach the driver: URL and SQL metacharacters
    /// that are legal in a local part (quotes, slashes, '?', '&amp;', '=', '#', '*', '{', '|', '~', '`', '$').
    /// </summary>
    public static readonly TheoryData<string> ParseableHostileAddresses = new()
    {
        "x'or'1'='1@mask.example.com",
        "x'or''='@mask.example.com",
        "a'--@mask.example.com",
        "a'/*@mask.example.com",
        "x'||'@mask.example.com",
        "'@mask.example.com",
        "*@mask.example.com",
        "x?y=1&z=2@mask.example.com",
        "x#frag@mask.example.com",
        "/admin@mask.example.com",
        "admin/@mask.example.com",
        "~/.ssh/id@mask.example.com",
        "a/./b@mask.example.com",
        "${jndi}@mask.example.com",
        "x`id`@mask.example.com",
        "x'+union+select+email+from+aliases--@mask.example.com",
        string.Concat(Enumerable.Repeat("{}|~", 16)) + "@mask.example.com",
        "ａｄｍｉｎ@mask.example.com",
    };

    /// <summary>Unique per test, so rows from other tests on a shared server never match.</summary>
    protected string Run { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Whether the driver cannot be changed through MailTumble (map file, remote API).</summary>
    protected virtual bool IsReadOnly => false;

    /// <summary>Whether <see cref="IAliasDirectory.HasDomainAsync"/> knows which domains are ours (a remote API cannot tell).</summary>
    protected virtual bool KnowsDomains => true;

    /// <summary>Creates the driver under test holding exactly <paramref name="seed"/> (targets and statuses).</summary>
    protected abstract Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed);

    /// <summary>An address in this test's namespace.</summary>
    protected string A(string local) => $"{Run}-{local}@{Domain}";

    /// <summary>Seeds a writable directory through its admin port.</summary>
    protected static async Task SeedAsync(IAliasAdmin admin, IEnumerable<AliasRecord> seed)
    {
        ArgumentNullException.ThrowIfNull(admin);
        foreach (var alias in seed)
        {
            await admin.UpsertAsync(alias.Address, alias.Targets, default);
            if (alias.Note is not null || alias.DisplayName is not null)
            {
                Assert.True(await admin.SetLabelsAsync(alias.Address, new AliasLabels(alias.Note, alias.DisplayName), default));
            }

            if (alias.Status is not AliasStatus.Active)
            {
                Assert.True(await admin.SetStatusAsync(alias.Address, alias.Status, default));
            }
        }
    }

    private List<AliasRecord> StandardSeed() =>
    [
        new(A("x7g2"), "john@real.example.org", AliasStatus.Active),
        new(A("held"), "mary@real.example.org", AliasStatus.Held),
        new(A("dead"), "gone@real.example.org", AliasStatus.Dead),
        new(A("off"), "paused@real.example.org", AliasStatus.Disabled),
        // Valid addresses that a careless driver would mangle: a slash, a quote mark, non-ASCII, '?', '#', '&', '='.
        new(A("a/b"), "slash@real.example.org", AliasStatus.Active),
        new(A("o'brien"), "quote@real.example.org", AliasStatus.Active),
        new(A("zoë"), "unicode@real.example.org", AliasStatus.Active),
        new(A("q?x=1&y#z"), "query@real.example.org", AliasStatus.Active),
        new(A("o'b/c"), "quoteslash@real.example.org", AliasStatus.Active),
    ];

    [SkippableFact]
    public async Task Seeded_aliases_are_found_with_their_target_and_status()
    {
        var seed = StandardSeed();
        var directory = await CreateAsync(seed);
        foreach (var alias in seed)
        {
            var result = await directory.LookupAsync(alias.Address, default);
            Assert.True(result.Outcome == LookupOutcome.Found, $"{alias.Address}: {result.Outcome} {result.Reason}");
            Assert.Equal(alias.Address, result.Alias!.Address);
            Assert.Equal(alias.Target, result.Alias.Target);
            Assert.Equal(alias.Status, result.Alias.Status);
        }
    }

    [SkippableFact]
    public async Task Lookups_ignore_case_and_unknown_aliases_are_not_found()
    {
        var directory = await CreateAsync(StandardSeed());
        var upper = await directory.LookupAsync(A("X7G2").ToUpperInvariant(), default);
        Assert.Equal(LookupOutcome.Found, upper.Outcome);
        Assert.Equal("john@real.example.org", upper.Alias!.Target);
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync(A("nobody"), default)).Outcome);
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync($"{Run}-x7g2@other.example", default)).Outcome);
    }

    [SkippableTheory]
    [MemberData(nameof(HostileAddresses))]
    public async Task Hostile_addresses_are_not_found_and_harm_nothing(string hostile)
    {
        var directory = await CreateAsync(StandardSeed());
        var result = await directory.LookupAsync(hostile, default);
        Assert.True(result.Outcome == LookupOutcome.NotFound, $"{result.Outcome} {result.Reason}");
        // The table, file or server is still there and still answers.
        Assert.Equal(LookupOutcome.Found, (await directory.LookupAsync(A("x7g2"), default)).Outcome);
    }

    [SkippableTheory]
    [MemberData(nameof(ParseableHostileAddresses))]
    public async Task Hostile_addresses_that_parse_reach_the_driver_and_match_nothing(string hostile)
    {
        Assert.True(MailAddress.TryParse(hostile, out _), $"'{hostile}' must parse, or it proves nothing about the driver");
        var directory = await CreateAsync(StandardSeed());
        var result = await directory.LookupAsync(hostile, default);
        Assert.True(result.Outcome == LookupOutcome.NotFound, $"{hostile}: {result.Outcome} {result.Reason} {result.Alias?.Target}");
        var upper = await directory.LookupAsync(hostile.ToUpperInvariant(), default);
        Assert.True(upper.Outcome == LookupOutcome.NotFound, $"{hostile} (upper case): {upper.Outcome} {upper.Reason}");
        Assert.Equal("quoteslash@real.example.org", (await directory.LookupAsync(A("o'b/c"), default)).Alias?.Target);
    }

    [SkippableFact]
    public async Task An_alias_with_a_quote_and_a_slash_is_found_exactly_and_near_misses_are_not()
    {
        var directory = await CreateAsync(StandardSeed());
        var exact = await directory.LookupAsync(A("O'B/C"), default);
        Assert.True(exact.Outcome == LookupOutcome.Found, $"{exact.Outcome} {exact.Reason}");
        Assert.Equal((A("o'b/c"), "quoteslash@real.example.org"), (exact.Alias!.Address, exact.Alias.Target));

        // A LIKE pattern ('_'), a doubled or dropped quote, an extra or missing slash, a prefix: none is the alias.
        foreach (var near in new[] { A("o'b_c"), A("o''b/c"), A("ob/c"), A("o'bc"), A("o'b//c"), A("o'b/c/"), A("o'b/"), A("o'b"), A("o'b/cc"), A("_'b/c"), $"{Run}-o'b/c@other.example" })
        {
            var miss = await directory.LookupAsync(near, default);
            Assert.True(miss.Outcome == LookupOutcome.NotFound, $"{near}: {miss.Outcome} {miss.Alias?.Target}");
        }
    }

    [SkippableFact]
    public async Task The_directory_knows_its_domains()
    {
        var directory = await CreateAsync(StandardSeed());
        if (!KnowsDomains)
        {
            // A remote API cannot list domains: it must accept every domain and let the lookup decide.
            Assert.True(await directory.HasDomainAsync("anything.example", default));
            return;
        }

        Assert.True(await directory.HasDomainAsync(Domain, default));
        Assert.True(await directory.HasDomainAsync(Domain.ToUpperInvariant(), default));
        Assert.False(await directory.HasDomainAsync($"{Run}.other.example", default));
    }

    [SkippableFact]
    public async Task Changes_through_the_admin_port_are_seen_by_the_next_lookup()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = Assert.IsAssignableFrom<IAliasAdmin>(directory);
        Assert.False(await admin.UpsertAsync(A("x7g2"), "new@real.example.org", default));
        Assert.Equal("new@real.example.org", (await directory.LookupAsync(A("x7g2"), default)).Alias!.Target);
        Assert.True(await admin.UpsertAsync(A("fresh"), "Fresh@Real.Example.org", default));
        Assert.Equal("fresh@real.example.org", (await directory.LookupAsync(A("fresh"), default)).Alias!.Target);

        Assert.True(await admin.SetStatusAsync(A("dead"), AliasStatus.Active, default));
        Assert.Equal(AliasStatus.Active, (await directory.LookupAsync(A("dead"), default)).Alias!.Status);
        Assert.False(await admin.SetStatusAsync(A("missing"), AliasStatus.Held, default));

        Assert.True(await admin.RemoveAsync(A("fresh"), default));
        Assert.False(await admin.RemoveAsync(A("fresh"), default));
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync(A("fresh"), default)).Outcome);
    }

    [SkippableFact]
    public async Task Feedback_is_counted_and_kills_after_a_complaint_or_too_many_bounces()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), FeedbackKind.Delivery, default));
        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), FeedbackKind.Delivery, default));
        for (var i = 0; i < AliasRules.BounceLimit; i++)
        {
            Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), FeedbackKind.Bounce, default));
        }

        var alive = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal((AliasStatus.Active, AliasRules.BounceLimit, 0, 2), (alive.Status, alive.CountBounce, alive.CountComplaint, alive.CountDelivery));

        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), FeedbackKind.Bounce, default));
        var dead = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal((AliasStatus.Dead, AliasRules.BounceLimit + 1), (dead.Status, dead.CountBounce));

        Assert.True(await admin.RecordFeedbackAsync(A("held"), FeedbackKind.Complaint, default));
        var complained = (await directory.LookupAsync(A("held"), default)).Alias!;
        Assert.Equal((AliasStatus.Dead, 1), (complained.Status, complained.CountComplaint));

        // An operator's "disabled" is not overwritten by feedback.
        Assert.True(await admin.RecordFeedbackAsync(A("off"), FeedbackKind.Complaint, default));
        Assert.Equal(AliasStatus.Disabled, (await directory.LookupAsync(A("off"), default)).Alias!.Status);
        Assert.False(await admin.RecordFeedbackAsync(A("missing"), FeedbackKind.Bounce, default));
    }

    [SkippableFact]
    public async Task Aliases_list_in_address_order_by_prefix_and_page()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        var expected = StandardSeed().Select(a => a.Address).Order(StringComparer.Ordinal).ToList();
        var first = await admin.ListAsync(Run + "-", null, 5, default);
        Assert.Equal(expected.Take(5), first.Select(a => a.Address));
        var rest = await admin.ListAsync(Run + "-", first[^1].Address, 5, default);
        Assert.Equal(expected.Skip(5), rest.Select(a => a.Address));
        Assert.Empty(await admin.ListAsync(Run + "-zzz", null, 5, default));
    }

    [SkippableFact]
    public async Task An_alias_forwards_to_several_targets_in_order_and_back_to_one()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        Assert.True(await admin.UpsertAsync(A("many"), ["Y@real.example.org", "x@real.example.org", "z@real.example.org"], default));
        var many = (await directory.LookupAsync(A("many"), default)).Alias!;
        Assert.Equal(["y@real.example.org", "x@real.example.org", "z@real.example.org"], many.Targets);
        Assert.Equal("y@real.example.org", many.Target);
        Assert.Equal(many.Targets, many.LiveTargets);
        Assert.Equal(AliasStatus.Active, many.Status);
        var listed = Assert.Single(await admin.ListAsync(A("many"), null, 5, default));
        Assert.Equal(many.Targets, listed.Targets);

        Assert.False(await admin.UpsertAsync(A("many"), ["z@real.example.org"], default));
        var one = (await directory.LookupAsync(A("many"), default)).Alias!;
        Assert.Equal(("z@real.example.org", 1), (one.Target, one.Targets.Count));
    }

    [SkippableFact]
    public async Task A_dead_target_does_not_stop_the_others_and_the_alias_dies_with_the_last()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        await admin.UpsertAsync(A("pair"), ["good@real.example.org", "bad@real.example.org"], default);
        Assert.True(await admin.RecordFeedbackAsync(A("pair"), "good@real.example.org", FeedbackKind.Delivery, default));
        Assert.True(await admin.RecordFeedbackAsync(A("pair"), "good@real.example.org", FeedbackKind.Bounce, default));
        for (var i = 0; i <= AliasRules.BounceLimit; i++)
        {
            Assert.True(await admin.RecordFeedbackAsync(A("pair"), "BAD@real.example.org", FeedbackKind.Bounce, default));
        }

        // Five bounces on the alias, more than the limit, but only one target passed it.
        var half = (await directory.LookupAsync(A("pair"), default)).Alias!;
        Assert.Equal((AliasStatus.Active, AliasRules.BounceLimit + 2, 1), (half.Status, half.CountBounce, half.CountDelivery));
        Assert.Equal(["bad@real.example.org"], half.DeadTargets);
        Assert.Equal(["good@real.example.org"], half.LiveTargets);

        // Re-adding the targets keeps their counts: the dead one stays dead.
        Assert.False(await admin.UpsertAsync(A("pair"), ["bad@real.example.org", "good@real.example.org", "new@real.example.org"], default));
        var three = (await directory.LookupAsync(A("pair"), default)).Alias!;
        Assert.Equal(["bad@real.example.org"], three.DeadTargets);
        Assert.Equal(["good@real.example.org", "new@real.example.org"], three.LiveTargets);

        Assert.True(await admin.RecordFeedbackAsync(A("pair"), "good@real.example.org", FeedbackKind.Complaint, default));
        Assert.True(await admin.RecordFeedbackAsync(A("pair"), "new@real.example.org", FeedbackKind.Complaint, default));
        var dead = (await directory.LookupAsync(A("pair"), default)).Alias!;
        Assert.Equal((AliasStatus.Dead, 2), (dead.Status, dead.CountComplaint));
        Assert.Equal(3, dead.DeadTargets.Count);

        // A report naming no target of the alias is counted on the alias; an operator's disable still wins.
        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), "someone@else.example", FeedbackKind.Delivery, default));
        Assert.Equal(1, (await directory.LookupAsync(A("x7g2"), default)).Alias!.CountDelivery);
        await admin.UpsertAsync(A("off"), ["a@real.example.org", "b@real.example.org"], default);
        Assert.True(await admin.RecordFeedbackAsync(A("off"), "a@real.example.org", FeedbackKind.Complaint, default));
        Assert.True(await admin.RecordFeedbackAsync(A("off"), "b@real.example.org", FeedbackKind.Complaint, default));
        Assert.Equal(AliasStatus.Disabled, (await directory.LookupAsync(A("off"), default)).Alias!.Status);
    }

    [SkippableFact]
    public async Task Import_takes_target_lists_and_refuses_a_bad_one_naming_the_row()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        Assert.Equal(2, await admin.ImportAsync(Rows((A("imp1"), "a@real.example.org, b@real.example.org"), (A("imp2"), "c@real.example.org")), null, default));
        Assert.Equal(["a@real.example.org", "b@real.example.org"], (await directory.LookupAsync(A("imp1"), default)).Alias!.Targets);
        Assert.Equal(["c@real.example.org"], (await directory.LookupAsync(A("imp2"), default)).Alias!.Targets);
        var error = await Assert.ThrowsAsync<FormatException>(() => admin.ImportAsync(Rows((A("imp3"), "d@real.example.org"), (A("imp4"), "e@real.example.org,not an address")), null, default));
        Assert.Contains("row 2", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_catch_all_entry_is_stored_under_at_domain_and_found_exactly()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        var domain = Run + ".catch.example";
        Assert.True(await admin.UpsertAsync("@" + domain.ToUpperInvariant(), ["all@real.example.org"], default));
        await admin.UpsertAsync($"exact@{domain}", ["exact@real.example.org"], default);
        var found = await directory.LookupAsync("@" + domain, default);
        Assert.True(found.Outcome == LookupOutcome.Found, $"{found.Outcome} {found.Reason}");
        Assert.Equal(("@" + domain, "all@real.example.org", AliasStatus.Active), (found.Alias!.Address, found.Alias.Target, found.Alias.Status));
        if (KnowsDomains)
        {
            Assert.True(await directory.HasDomainAsync(domain, default));
        }

        // The driver answers for the entry itself; falling back to it is the alias model's job, not the driver's.
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync($"someone@{domain}", default)).Outcome);
        Assert.Equal("exact@real.example.org", (await directory.LookupAsync($"exact@{domain}", default)).Alias!.Target);

        // Switched off and on as any alias is; listed with the domain's aliases.
        Assert.True(await admin.SetStatusAsync("@" + domain, AliasStatus.Disabled, default));
        Assert.Equal(AliasStatus.Disabled, (await directory.LookupAsync("@" + domain, default)).Alias!.Status);
        Assert.Contains("@" + domain, (await admin.ListAsync("@" + domain, null, 5, default)).Select(a => a.Address));
        Assert.True(await admin.RemoveAsync("@" + domain, default));
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync("@" + domain, default)).Outcome);
    }

    [SkippableFact]
    public async Task A_display_name_and_a_note_are_served_with_the_alias()
    {
        var directory = await CreateAsync(
        [
            new(A("shop"), "john@real.example.org", AliasStatus.Active) { DisplayName = "Shop John", Note = "for the bike shop; ünïcødé too" },
            new(A("offnamed"), "paused@real.example.org", AliasStatus.Disabled) { DisplayName = "Paused Pat" },
            new(A("plain"), "plain@real.example.org", AliasStatus.Active),
        ]);

        var shop = (await directory.LookupAsync(A("shop"), default)).Alias!;
        Assert.Equal(("Shop John", "for the bike shop; ünïcødé too"), (shop.DisplayName, shop.Note));
        var off = (await directory.LookupAsync(A("offnamed"), default)).Alias!;
        Assert.Equal((AliasStatus.Disabled, "Paused Pat", (string?)null), (off.Status, off.DisplayName, off.Note));
        var plain = (await directory.LookupAsync(A("plain"), default)).Alias!;
        Assert.Equal(((string?)null, (string?)null), (plain.DisplayName, plain.Note));
    }

    [SkippableFact]
    public async Task A_display_name_and_a_note_are_set_kept_and_cleared_through_the_admin_port()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        Assert.True(await admin.SetLabelsAsync(A("x7g2"), new AliasLabels("  newsletters only  ", "Shop \"John\" O'Brien"), default));
        var set = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal(("Shop \"John\" O'Brien", "newsletters only", AliasStatus.Active), (set.DisplayName, set.Note, set.Status));

        // Retargeting, feedback and a status change keep them; the listing shows them.
        await admin.UpsertAsync(A("x7g2"), ["a@real.example.org", "b@real.example.org"], default);
        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), "a@real.example.org", FeedbackKind.Delivery, default));
        Assert.True(await admin.SetStatusAsync(A("x7g2"), AliasStatus.Held, default));
        var kept = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal(("Shop \"John\" O'Brien", "newsletters only", AliasStatus.Held), (kept.DisplayName, kept.Note, kept.Status));
        var listed = Assert.Single(await admin.ListAsync(A("x7g2"), null, 1, default));
        Assert.Equal(("Shop \"John\" O'Brien", "newsletters only"), (listed.DisplayName, listed.Note));

        // Null leaves a value, empty clears it.
        Assert.True(await admin.SetLabelsAsync(A("x7g2"), new AliasLabels(Note: null, DisplayName: string.Empty), default));
        var cleared = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal(((string?)null, "newsletters only"), (cleared.DisplayName, cleared.Note));
        Assert.True(await admin.SetLabelsAsync(A("x7g2"), new AliasLabels(Note: string.Empty), default));
        Assert.Null((await directory.LookupAsync(A("x7g2"), default)).Alias!.Note);

        Assert.False(await admin.SetLabelsAsync(A("nobody"), new AliasLabels("x", "y"), default));
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync(A("nobody"), default)).Outcome);
        await Assert.ThrowsAsync<FormatException>(() => admin.SetLabelsAsync(A("x7g2"), new AliasLabels(DisplayName: "Evil\r\nBcc: x@evil.example"), default));
        await Assert.ThrowsAsync<FormatException>(() => admin.SetLabelsAsync(A("x7g2"), new AliasLabels(Note: new string('n', AliasLabels.MaxNoteLength + 1)), default));
        Assert.Null((await directory.LookupAsync(A("x7g2"), default)).Alias!.DisplayName);
    }

    [SkippableFact]
    public async Task Disable_refuses_without_deleting_and_enable_switches_only_a_disabled_alias_on()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        await admin.UpsertAsync(A("x7g2"), ["a@real.example.org", "b@real.example.org"], default);
        Assert.True(await admin.SetLabelsAsync(A("x7g2"), new AliasLabels("kept", "Kept Name"), default));
        Assert.True(await admin.RecordFeedbackAsync(A("x7g2"), "b@real.example.org", FeedbackKind.Delivery, default));
        var before = (await directory.LookupAsync(A("x7g2"), default)).Alias!;

        Assert.True(await admin.SetStatusAsync(A("x7g2"), AliasStatus.Disabled, default));
        var off = (await directory.LookupAsync(A("x7g2"), default)).Alias!;
        Assert.Equal(AliasStatus.Disabled, off.Status);
        Assert.Equal(before with { Status = AliasStatus.Disabled }, off);
        Assert.False(await admin.SetStatusAsync(A("nobody"), AliasStatus.Disabled, default));

        Assert.True(await admin.EnableAsync(A("x7g2"), default));
        Assert.Equal(before, (await directory.LookupAsync(A("x7g2"), default)).Alias!);
        Assert.False(await admin.EnableAsync(A("x7g2"), default));
        Assert.Equal(AliasStatus.Active, (await directory.LookupAsync(A("x7g2"), default)).Alias!.Status);

        // Only a disabled alias is switched on: held stays held, dead stays dead, unknown stays unknown.
        Assert.False(await admin.EnableAsync(A("held"), default));
        Assert.Equal(AliasStatus.Held, (await directory.LookupAsync(A("held"), default)).Alias!.Status);
        Assert.False(await admin.EnableAsync(A("dead"), default));
        Assert.Equal(AliasStatus.Dead, (await directory.LookupAsync(A("dead"), default)).Alias!.Status);
        Assert.False(await admin.EnableAsync(A("nobody"), default));
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync(A("nobody"), default)).Outcome);
        Assert.True(await admin.EnableAsync(A("off"), default));
        Assert.Equal(AliasStatus.Active, (await directory.LookupAsync(A("off"), default)).Alias!.Status);
    }

    [SkippableFact]
    public async Task Import_takes_display_name_note_and_switch_columns_and_a_row_without_them_keeps_them()
    {
        var directory = await CreateAsync(StandardSeed());
        if (IsReadOnly)
        {
            Assert.False(directory is IAliasAdmin, "a read-only driver must not offer the admin port");
            return;
        }

        var admin = (IAliasAdmin)directory;
        Assert.Equal(3, await admin.ImportAsync(
            Lines(
                new AliasImportLine(A("imp1"), "a@real.example.org", "Shop John", "bikes", "true"),
                new AliasImportLine(A("imp2"), "b@real.example.org", string.Empty, "only a note"),
                new AliasImportLine(A("off"), "paused@real.example.org", Disabled: "no")),
            null,
            default));
        var one = (await directory.LookupAsync(A("imp1"), default)).Alias!;
        Assert.Equal((AliasStatus.Disabled, "Shop John", "bikes"), (one.Status, one.DisplayName, one.Note));
        var two = (await directory.LookupAsync(A("imp2"), default)).Alias!;
        Assert.Equal((AliasStatus.Active, (string?)null, "only a note"), (two.Status, two.DisplayName, two.Note));
        Assert.Equal(AliasStatus.Active, (await directory.LookupAsync(A("off"), default)).Alias!.Status);

        // An old two-column row changes the target only.
        Assert.Equal(1, await admin.ImportAsync(Rows((A("imp1"), "c@real.example.org")), null, default));
        var again = (await directory.LookupAsync(A("imp1"), default)).Alias!;
        Assert.Equal(("c@real.example.org", AliasStatus.Disabled, "Shop John", "bikes"), (again.Target, again.Status, again.DisplayName, again.Note));

        var error = await Assert.ThrowsAsync<FormatException>(() => admin.ImportAsync(Lines(new AliasImportLine(A("imp3"), "d@real.example.org"), new AliasImportLine(A("imp4"), "e@real.example.org", Disabled: "maybe")), null, default));
        Assert.Contains("row 2", error.Message, StringComparison.Ordinal);
    }

    private static IAsyncEnumerable<AliasImportLine> Rows(params (string Address, string Target)[] rows) =>
        Lines(rows.Select(r => new AliasImportLine(r.Address, r.Target)).ToArray());

    private static async IAsyncEnumerable<AliasImportLine> Lines(params AliasImportLine[] rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }
}
