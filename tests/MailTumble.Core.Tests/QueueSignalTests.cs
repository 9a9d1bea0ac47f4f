using System.Runtime.ExceptionServices;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// The queue signal: the idle send worker's wait (<see cref="QueueSignal.WaitAsync"/>) and everyone else's
/// (<see cref="QueueSignal.Activity"/>) wake on a signal, time out on the given clock, lose no signal given before the
/// wait, end on cancellation, and an idle timeout throws nothing on the way.
/// </summary>
public sealed class QueueSignalTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    // Marks this test's flow, so the first-chance exceptions counted are its own and not a parallel test's.
    private static readonly AsyncLocal<bool> Watched = new();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 18, 0, 0, TimeSpan.Zero));
    private readonly QueueSignal _signal = new();

    [Fact]
    public async Task A_waiting_worker_wakes_at_the_signal_without_the_clock_moving()
    {
        var wait = _signal.WaitAsync(Poll, _time, default);
        Assert.False(wait.IsCompleted);

        _signal.Notify();
        Assert.True(await Done(wait));
    }

    [Fact]
    public async Task The_wait_times_out_on_the_given_clock_after_the_interval_not_before()
    {
        var wait = _signal.WaitAsync(Poll, _time, default);
        _time.Advance(Poll - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await Done(wait));
    }

    [Fact]
    public async Task A_signal_given_while_nobody_waits_is_kept_for_the_next_wait_and_taken_once()
    {
        _signal.Notify();
        _signal.Notify();
        Assert.True(await Done(_signal.WaitAsync(Poll, _time, default)));

        // Two signals before a wait count as one, as before.
        var second = _signal.WaitAsync(Poll, _time, default);
        Assert.False(second.IsCompleted);
        _time.Advance(Poll);
        Assert.False(await Done(second));
    }

    [Fact]
    public async Task One_signal_wakes_one_of_two_waiters_and_the_other_waits_on_until_its_timeout()
    {
        var first = _signal.WaitAsync(Poll, _time, default);
        var second = _signal.WaitAsync(Poll, _time, default);

        _signal.Notify();
        var woken = await Done(Task.WhenAny(first, second));
        Assert.True(await woken);
        var other = woken == first ? second : first;
        Assert.False(other.IsCompleted);

        _time.Advance(Poll);
        Assert.False(await Done(other));
    }

    [Fact]
    public async Task Activity_signalled_between_reading_it_and_waiting_on_it_is_not_lost()
    {
        var activity = _signal.Activity;
        _signal.Notify();
        await Done(QueueSignal.WaitForActivityAsync(activity, Poll, _time, default));

        // The same for activity announced without a signal (a worker that found work nobody announced).
        activity = _signal.Activity;
        _signal.NotifyActivity();
        await Done(QueueSignal.WaitForActivityAsync(activity, Poll, _time, default));
    }

    [Fact]
    public async Task Activity_waits_time_out_on_the_given_clock()
    {
        var wait = QueueSignal.WaitForActivityAsync(_signal.Activity, Poll, _time, default);
        _time.Advance(Poll - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Done(wait);
    }

    [Fact]
    public async Task Announced_activity_wakes_the_activity_waiters_but_leaves_the_worker_no_signal()
    {
        var worker = _signal.WaitAsync(Poll, _time, default);
        var status = QueueSignal.WaitForActivityAsync(_signal.Activity, Poll, _time, default);

        _signal.NotifyActivity();
        await Done(status);
        Assert.False(worker.IsCompleted);

        _time.Advance(Poll);
        Assert.False(await Done(worker));
    }

    [Fact]
    public async Task Cancellation_ends_a_wait_with_OperationCanceledException_and_takes_no_signal()
    {
        using var cancel = new CancellationTokenSource();
        var wait = _signal.WaitAsync(Poll, _time, cancel.Token);
        var activity = QueueSignal.WaitForActivityAsync(_signal.Activity, Poll, _time, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Done(wait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Done(activity));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _signal.WaitAsync(Poll, _time, cancel.Token));

        // A signal given after a cancelled wait is the next wait's.
        _signal.Notify();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _signal.WaitAsync(Poll, _time, cancel.Token));
        Assert.True(await Done(_signal.WaitAsync(Poll, _time, default)));
    }

    [Fact]
    public async Task An_idle_timeout_throws_no_exception_on_the_way()
    {
        var thrown = new List<string>();
        void Count(object? sender, FirstChanceExceptionEventArgs e)
        {
            if (Watched.Value)
            {
                lock (thrown)
                {
                    thrown.Add(e.Exception.GetType().Name);
                }
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            Watched.Value = true;
            for (var i = 0; i < 3; i++)
            {
                var worker = _signal.WaitAsync(Poll, _time, default);
                var status = QueueSignal.WaitForActivityAsync(_signal.Activity, Poll, _time, default);
                _time.Advance(Poll);
                Assert.False(await Done(worker));
                await Done(status);
            }
        }
        finally
        {
            Watched.Value = false;
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        lock (thrown)
        {
            Assert.True(thrown.Count == 0, $"thrown while idle: {string.Join(", ", thrown)}");
        }
    }

    // A bound on the real clock, so a broken signal fails the test instead of hanging it.
    private static Task Done(Task task) => task.WaitAsync(TimeSpan.FromSeconds(30));

    private static Task<T> Done<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(30));
}
