using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;

namespace MailTumble.RestDirectory;

/// <summary>
/// The original system's REST lookup: <c>GET {API_URL}/aliases/{address}</c> with a bearer token.
/// Unlike the original, an outage is a temporary failure (451), never "no such alias": an error status is a temporary
/// failure here, and a refused connection, a bad answer or a slow server throws or is cancelled, which the host's
/// <see cref="ResilientAliasDirectory"/> turns into one. The address is always one escaped path segment. Read-only: the
/// API is the source of truth.
/// </summary>
internal sealed class RestAliasDirectory : IAliasDirectory, IDisposable
{
    private readonly HttpClient _http;
    private readonly RestDirectoryOptions _options;
    private readonly string _base;

    public RestAliasDirectory(HttpMessageHandler handler, IOptions<RestDirectoryOptions> options)
    {
        _options = options.Value;
        _base = _options.Url!.TrimEnd('/');
        // The host's ResilientAliasDirectory owns the timeout, so the client's own is off; the body is small, so cap it.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = 1 << 20 };
    }

    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        // Only a plain mailbox is ever sent; anything else cannot be an alias.
        if (!AliasKey.TryParse(address, out var parsed))
        {
            return LookupResult.NotFound;
        }

        var uri = new Uri(_base + "/aliases/" + Uri.EscapeDataString(parsed.Value), UriKind.Absolute);
        return await FetchAsync(uri, parsed.Value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The API cannot list domains, so every domain is ours and the lookup decides (set <c>MailTumble:Domains</c> to be strict).</summary>
    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public void Dispose() => _http.Dispose();

    private async ValueTask<LookupResult> FetchAsync(Uri uri, string address, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(_options.Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return LookupResult.NotFound;
        }

        if (!response.IsSuccessStatusCode)
        {
            // 5xx, 429, and 401/403 (a wrong token is our fault, not the sender's): try again later.
            return LookupResult.TemporaryFailure($"rest directory: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return Parse(body, address, _options.BounceLimit);
    }

    /// <summary>
    /// Reads the original contract: the target in <c>alias</c> (the original README, and MailTumble's API) or <c>email</c>
    /// (the original code); counts and <c>optout</c> decide. An API that echoes the looked-up address in <c>alias</c> and
    /// names the target in <c>email</c> (a table dump, as the original DynamoDB items are) is read too: the looked-up
    /// address is never taken as its own target, which would loop.
    /// </summary>
    internal static LookupResult Parse(ReadOnlySpan<byte> body, string address, int bounceLimit = AliasRules.BounceLimit)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        if (root.ValueKind is not JsonValueKind.Object)
        {
            return LookupResult.TemporaryFailure("rest directory: the answer is not a JSON object");
        }

        var bounce = Number(root, "count_bounce");
        var complaint = Number(root, "count_complaint");
        var stored = AliasRules.ParseStatus(Text(root, "status"));
        if (Targets(root, address) is { Count: > 0 } several)
        {
            // Several targets: the API's own dead_targets say which no longer get mail; the alias dies with the last.
            var dead = Addresses(root, "dead_targets").Where(several.Contains).ToList();
            var status = AliasRules.Effective(stored, Off(root), 0, 0);
            status = dead.Count == several.Count && status is AliasStatus.Active or AliasStatus.Held ? AliasStatus.Dead : status;
            return LookupResult.Found(new AliasRecord(address, several[0], status, bounce, complaint, Number(root, "count_delivery")) { Targets = several, DeadTargets = dead, Note = Labels(root).Note, DisplayName = Labels(root).DisplayName });
        }

        if (Target(root, address) is not { } to)
        {
            return LookupResult.TemporaryFailure("rest directory: the answer names no valid target in 'alias' or 'email'");
        }

        var effective = AliasRules.Effective(stored, Off(root), bounce, complaint, bounceLimit);
        var labels = Labels(root);
        return LookupResult.Found(new AliasRecord(address, to.Value, effective, bounce, complaint, Number(root, "count_delivery")) { Note = labels.Note, DisplayName = labels.DisplayName });
    }

    /// <summary>
    /// An <c>alias</c> array names every target (the looked-up address itself is never one); null when <c>alias</c> is a
    /// string, so the one-target rules apply.
    /// </summary>
    private static List<string>? Targets(JsonElement root, string address)
    {
        if (!root.TryGetProperty("alias", out var value) || value.ValueKind is not JsonValueKind.Array)
        {
            return null;
        }

        return Addresses(root, "alias").Where(t => !string.Equals(t, address, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    private static IEnumerable<string> Addresses(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind is not JsonValueKind.Array)
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateArray())
        {
            if (entry.ValueKind is JsonValueKind.String && MailAddress.TryParse(entry.GetString(), out var parsed) && seen.Add(parsed.Value))
            {
                yield return parsed.Value;
            }
        }
    }

    private static MailAddress? Target(JsonElement root, string address)
    {
        MailAddress? self = null;
        foreach (var name in (ReadOnlySpan<string>)["alias", "email"])
        {
            if (MailAddress.TryParse(Text(root, name), out var candidate))
            {
                if (!string.Equals(candidate.Value, address, StringComparison.OrdinalIgnoreCase))
                {
                    return candidate;
                }

                self ??= candidate;
            }
        }

        // Only the address itself: an alias to itself is still an answer (the hop limit stops the loop).
        return self;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String ? value.GetString() : null;

    private static int Number(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return 0;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            JsonValueKind.Null => 0,
            _ => throw new JsonException($"'{name}' is not a number"),
        };
    }

    /// <summary>Mail is refused when the answer says <c>optout</c> (the original's) or <c>disabled</c> (MailTumble's switch).</summary>
    private static bool Off(JsonElement root) => Flag(root, "optout") || Flag(root, "disabled");

    /// <summary>
    /// The optional <c>note</c> and <c>display_name</c>; a value MailTumble would not store itself (a line break, too long)
    /// is ignored rather than put in a header.
    /// </summary>
    private static AliasLabels Labels(JsonElement root)
    {
        static AliasLabels Checked(AliasLabels one)
        {
            try
            {
                return one.Checked();
            }
            catch (FormatException)
            {
                return AliasLabels.None;
            }
        }

        var note = Checked(new AliasLabels(Note: Text(root, "note"))).Note;
        var name = Checked(new AliasLabels(DisplayName: Text(root, "display_name"))).DisplayName;
        return new(AliasLabels.Stored(note), AliasLabels.Stored(name));
    }

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && (value.ValueKind is JsonValueKind.True
            || (value.ValueKind is JsonValueKind.String && bool.TryParse(value.GetString(), out var b) && b)
            || (value.ValueKind is JsonValueKind.Number && value.TryGetInt32(out var n) && n != 0));
}
