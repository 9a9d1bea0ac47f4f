using System.Text.Json.Serialization;

namespace MailTumble.Aws.Queue;

/// <summary>Source-generated JSON for queue bodies (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueuedDelivery))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
