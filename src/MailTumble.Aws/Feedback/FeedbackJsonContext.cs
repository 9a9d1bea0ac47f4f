using System.Text.Json.Serialization;
using MailTumble.Core.Feedback;

namespace MailTumble.Aws.Feedback;

/// <summary>Source-generated JSON for the shared sent-delivery records.</summary>
[JsonSerializable(typeof(SentDelivery))]
internal sealed partial class FeedbackJsonContext : JsonSerializerContext;
