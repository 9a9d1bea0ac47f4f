namespace MailTumble.Web.Live;

/// <summary>One point of the live charts: a second (or a minute) of send-out.</summary>
/// <param name="At">Start of the interval, Unix seconds.</param>
/// <param name="Sent">Deliveries the provider took.</param>
/// <param name="Throttled">Rate-limit replies.</param>
/// <param name="Failed">Other failed attempts.</param>
/// <param name="Depth">Queue depth at the end of the interval (the largest seen, for a minute).</param>
/// <param name="Rate">Send rate in force at the end of the interval.</param>
internal sealed record LiveSample(long At, long Sent, long Throttled, long Failed, long Depth, double Rate);
