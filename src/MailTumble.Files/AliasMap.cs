using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MailTumble.Files;

/// <summary>
/// One loaded map file: exact addresses, <c>@domain</c> rules, bare <c>user</c> rules for any of our
/// domains and the <c>@</c> catch-all. Immutable; a reload builds a new one.
/// </summary>
internal sealed record AliasMap(
    IReadOnlyDictionary<string, AliasMap.Rule> Exact,
    IReadOnlyDictionary<string, AliasMap.Rule> Domains,
    IReadOnlyDictionary<string, AliasMap.Rule> Users,
    AliasMap.Rule? CatchAll,
    IReadOnlySet<string> OurDomains)
{
    /// <summary>Where a rule sends mail.</summary>
    public sealed record Rule(string Target, AliasStatus Status)
    {
        /// <summary>The entry's <c>display_name</c>, for the From of replies; null when none.</summary>
        public string? DisplayName { get; init; }

        /// <summary>The entry's <c>note</c>; null when none.</summary>
        public string? Note { get; init; }
    }

    /// <summary>Applies the rules in order: exact → <c>@domain</c> → <c>user</c> → <c>@</c>; the tag-less form is tried after the tagged one.</summary>
    public Rule? Resolve(MailAddress address, char? separator) => Resolve(address, separator, out _);

    /// <summary>As <see cref="Resolve(MailAddress, char?)"/>; <paramref name="tag"/> is the sub-address tag when the tag-less form matched.</summary>
    public Rule? Resolve(MailAddress address, char? separator, out string? tag)
    {
        tag = null;
        var locals = new List<string>(2) { address.Local };
        if (separator is { } sep && address.Local.IndexOf(sep, StringComparison.Ordinal) is > 0 and var cut)
        {
            locals.Add(address.Local[..cut]);
        }

        foreach (var local in locals)
        {
            if (Exact.TryGetValue(local + "@" + address.Domain, out var exact))
            {
                tag = Tag(address, local);
                return exact;
            }
        }

        if (Domains.TryGetValue(address.Domain, out var domain))
        {
            return domain;
        }

        if (!OurDomains.Contains(address.Domain))
        {
            return null;
        }

        foreach (var local in locals)
        {
            if (Users.TryGetValue(local, out var user))
            {
                tag = Tag(address, local);
                return user;
            }
        }

        return CatchAll;
    }

    private static string? Tag(MailAddress address, string matched) =>
        matched.Length < address.Local.Length ? address.Local[(matched.Length + 1)..] : null;

    /// <summary>
    /// Parses JSON or YAML (YAML is a superset of JSON); errors name the line. <paramref name="configuredDomains"/>
    /// are ours as well as those the file names (its <c>domains</c> list, <c>@domain</c> rules and exact addresses).
    /// </summary>
    public static AliasMap Parse(string text, string source, IEnumerable<string>? configuredDomains = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}: line {ex.Start.Line}: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException($"{source}: expected a mapping with 'aliases' (and optionally 'domains')");
        }

        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var configured in configuredDomains ?? [])
        {
            ours.Add(configured.Trim().TrimEnd('.').ToLowerInvariant());
        }

        if (root.Children.TryGetValue(new YamlScalarNode("domains"), out var domainsNode))
        {
            foreach (var node in domainsNode is YamlSequenceNode list ? list.Children : throw Error(source, domainsNode, "'domains' must be a list"))
            {
                ours.Add(Scalar(source, node).Trim().TrimEnd('.').ToLowerInvariant());
            }
        }

        // Either { aliases: {...} } or the rules at the top level.
        var rules = root.Children.TryGetValue(new YamlScalarNode("aliases"), out var aliasesNode)
            ? aliasesNode as YamlMappingNode ?? throw Error(source, aliasesNode, "'aliases' must be a mapping")
            : root;

        var exact = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var domains = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var users = new Dictionary<string, Rule>(StringComparer.Ordinal);
        Rule? catchAll = null;
        foreach (var (keyNode, valueNode) in rules.Children)
        {
            var key = Scalar(source, keyNode).Trim().ToLowerInvariant();
            if (ReferenceEquals(rules, root) && key == "domains")
            {
                continue;
            }

            var rule = ReadRule(source, valueNode);
            if (key == "@")
            {
                catchAll = rule;
            }
            else if (key.StartsWith('@'))
            {
                var domain = key[1..].TrimEnd('.');
                ours.Add(domain);
                domains[domain] = MailAddress.TryParse("x@" + domain, out _) ? rule : throw Error(source, keyNode, $"'{key}' is not a valid @domain rule");
            }
            else if (key.Contains('@', StringComparison.Ordinal))
            {
                var address = MailAddress.TryParse(key, out var a) ? a : throw Error(source, keyNode, $"'{key}' is not a valid address");
                ours.Add(address.Domain);
                exact[address.Value] = rule;
            }
            else
            {
                users[MailAddress.TryParse(key + "@example.com", out var u) ? u.Local : throw Error(source, keyNode, $"'{key}' is not a valid local part")] = rule;
            }
        }

        return new AliasMap(exact, domains, users, catchAll, ours);
    }

    private static Rule ReadRule(string source, YamlNode node)
    {
        string? target;
        var status = AliasStatus.Active;
        AliasLabels labels = AliasLabels.None;
        if (node is YamlMappingNode map)
        {
            try
            {
                labels = new AliasLabels(Optional(source, map, "note"), Optional(source, map, "display_name")).Checked();
            }
            catch (FormatException ex)
            {
                throw Error(source, node, ex.Message);
            }


            target = Optional(source, map, "target") ?? Optional(source, map, "email");
            if (Optional(source, map, "status") is { } text)
            {
                status = Enum.TryParse<AliasStatus>(text, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(text, out _)
                    ? s
                    : throw Error(source, node, $"status '{text}' must be active, held, dead or disabled");
            }

            // The switch: 'disabled: true' refuses the mail whatever the status; 'false' leaves the status as written.
            if (Optional(source, map, "disabled") is { } off)
            {
                status = off.Trim().ToLowerInvariant() switch
                {
                    "true" or "yes" => AliasStatus.Disabled,
                    "false" or "no" => status,
                    _ => throw Error(source, node, $"disabled '{off}' must be true or false"),
                };
            }
        }
        else
        {
            target = Scalar(source, node);
        }

        return MailAddress.TryParse(target?.Trim(), out var to)
            ? new Rule(to.Value, status) { DisplayName = AliasLabels.Stored(labels.DisplayName), Note = AliasLabels.Stored(labels.Note) }
            : throw Error(source, node, $"'{target}' is not a valid target address");
    }

    private static string? Optional(string source, YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Scalar(source, node) : null;

    private static string Scalar(string source, YamlNode node) =>
        node is YamlScalarNode { Value: { } value } ? value : throw Error(source, node, "expected a plain value");

    private static FormatException Error(string source, YamlNode node, string message) =>
        new($"{source}: line {node.Start.Line}: {message}");
}
