using System.Runtime.InteropServices;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// Work that must not take cycles from training: run on its own thread at the lowest scheduling
/// priority (Linux nice 19), so that on a machine shared with workers the kernel gives it only
/// the time no trial wants. Elsewhere, or if the priority cannot be set, it runs at normal priority.
/// </summary>
internal static class LowPriority
{
    private const int PrioProcess = 0;   // with a thread id, Linux applies the nice value to that one thread
    private const int Nicest = 19;

    public static Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Lower();
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        })
        {
            IsBackground = true,
            Name = "low-priority work",
        };
        thread.Start();
        return done.Task;
    }

    private static void Lower()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = SetPriority(PrioProcess, GetThreadId(), Nicest);   // a failure leaves normal priority: harmless
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
