using System.Text.Json;

namespace MailTumble.Aws.Notifications;

/// <summary>The JSON reading every SNS and SES document needs: strings and arrays that may be missing or of another kind.</summary>
internal static class NotificationJson
{
    /// <summary>Parses a document; throws <see cref="FormatException"/> when it is not JSON.</summary>
    public static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException("not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The string <paramref name="name"/> of an object, or null when it is missing or not a string.</summary>
    public static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The items of the array <paramref name="name"/> of an object; none when it is missing or not an array.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray()
            : [];

    /// <summary>The object <paramref name="name"/> of an object, or default (<see cref="JsonValueKind.Undefined"/>).</summary>
    public static JsonElement Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;
}
