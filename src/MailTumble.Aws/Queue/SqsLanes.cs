using System.Security.Cryptography;
using System.Text;

namespace MailTumble.Aws.Queue;

/// <summary>Lane keys as SQS message group ids (the tenant of a fair queue).</summary>
internal static class SqsLanes
{
    private const int MaxGroupId = 128;

    /// <summary>The group id for a lane: the key itself when SQS accepts it, otherwise a stable digest of it.</summary>
    /// <remarks>
    /// SQS allows 1 to 128 characters of letters, digits and ASCII punctuation. Lane keys are usually domains and fit;
    /// one that does not (empty, too long, spaces or non-ASCII) still gets one group per key.
    /// </remarks>
    public static string GroupId(string? lane)
    {
        if (string.IsNullOrEmpty(lane))
        {
            return "-";
        }

        if (lane.Length <= MaxGroupId && lane.All(c => c is > ' ' and <= '~'))
        {
            return lane;
        }

        return "lane-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lane)))[..32];
    }

    public static NotSupportedException NotPerLane() =>
        new("SQS isolates lanes itself (fair queue, MessageGroupId = lane key); it has no per-lane access");
}
