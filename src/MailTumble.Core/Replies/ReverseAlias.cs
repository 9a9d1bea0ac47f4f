namespace MailTumble.Core.Replies;

/// <summary>A checked reverse alias: the address, the alias it belongs to and the correspondent it reaches.</summary>
/// <param name="Address">The reverse alias itself (lower case).</param>
/// <param name="Alias">The alias whose owner replies through it.</param>
/// <param name="Correspondent">The real address a reply is delivered to.</param>
public sealed record ReverseAlias(string Address, string Alias, string Correspondent);
