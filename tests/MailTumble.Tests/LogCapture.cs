using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MailTumble.Tests;

/// <summary>An in-memory log provider: every line any logger writes, formatted, with its category.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public IReadOnlyList<string> Messages(string category) =>
        Lines.Where(l => l.Category == category).Select(l => l.Message).ToList();

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
