using System.Globalization;

namespace MailTumble.Sqlite;

/// <summary>The data disk as <c>queue stats</c> shows it: free room, the send-out reserve, and whether it is full.</summary>
/// <param name="FreeBytes">Room left on the disk.</param>
/// <param name="ReserveBytes">The reserve held (0 when none is held: spent, turned off, or no <c>serve</c> ran yet).</param>
/// <param name="FullSince">When a write last found the disk full, while that lasts.</param>
public sealed record DataDiskStatus(long FreeBytes, long ReserveBytes, DateTimeOffset? FullSince)
{
    /// <summary>Reads the state of <paramref name="dataDir"/> from the disk and the files <c>serve</c> keeps there.</summary>
    public static DataDiskStatus Read(string dataDir)
    {
        var directory = Path.GetFullPath(dataDir);
        var reserve = new FileInfo(Path.Combine(directory, DiskReserve.ReserveFileName));
        var marker = Path.Combine(directory, DiskReserve.MarkerFileName);
        DateTimeOffset? since = null;
        if (File.Exists(marker))
        {
            since = DateTimeOffset.TryParse(File.ReadAllText(marker).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
        }

        return new DataDiskStatus(new DriveInfo(directory).AvailableFreeSpace, reserve.Exists ? reserve.Length : 0, since);
    }

    /// <summary>One line for <c>queue stats</c>.</summary>
    public string Describe() => FullSince is { } since
        ? string.Create(CultureInfo.InvariantCulture, $"full since {since:u}: {DiskReserve.Megabytes(FreeBytes)} free, send-out goes on {(ReserveBytes > 0 ? "with room left" : "in the released reserve")}; new mail gets 452 4.3.1")
        : ReserveBytes > 0 ? $"{DiskReserve.Megabytes(FreeBytes)} free, reserve {DiskReserve.Megabytes(ReserveBytes)} held"
        : $"{DiskReserve.Megabytes(FreeBytes)} free, no reserve held (MailTumble:Sqlite:DiskReserveMegabytes is 0, or no serve ran here yet)";
}
