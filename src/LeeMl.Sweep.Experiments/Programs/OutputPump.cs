using System.Text;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// Reads one output stream of a program as it is written, in bounded memory: bytes become lines
/// (a line longer than <see cref="MaxLineChars"/> is cut, the rest of it dropped until its line
/// break); each line goes to <c>onLine</c> and to the shared <see cref="LogTail"/>. A thread of its
/// own, so a program that prints without pause never waits on the worker.
/// </summary>
public sealed class OutputPump
{
    public const int MaxLineChars = 64 * 1024;

    private readonly Thread _thread;

    public OutputPump(Stream stream, Action<string> onLine, string name)
    {
        _thread = new Thread(() => Pump(stream, onLine)) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Waits until the stream has ended (every process holding it closed it).</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private static void Pump(Stream stream, Action<string> onLine)
    {
        var decoder = new UTF8Encoding(false, false).GetDecoder();
        var bytes = new byte[64 * 1024];
        var chars = new char[bytes.Length + 8];
        var line = new StringBuilder();
        long dropped = 0;
        try
        {
            int read;
            while ((read = stream.Read(bytes, 0, bytes.Length)) > 0)
            {
                var count = decoder.GetChars(bytes, 0, read, chars, 0);
                var start = 0;
                for (var i = 0; i < count; i++)
                {
                    if (chars[i] != '\n') continue;
                    Append(chars.AsSpan(start, i - start));
                    Emit();
                    start = i + 1;
                }
                Append(chars.AsSpan(start, count - start));
            }
        }
        catch (IOException) { }          // the pipe broke: the program is gone
        catch (ObjectDisposedException) { }
        if (line.Length > 0 || dropped > 0) Emit();

        void Append(ReadOnlySpan<char> part)
        {
            var room = MaxLineChars - line.Length;
            if (part.Length <= room) line.Append(part);
            else
            {
                line.Append(part[..room]);
                dropped += part.Length - room;
            }
        }

        void Emit()
        {
            if (line.Length > 0 && line[^1] == '\r') line.Length--;
            var text = dropped > 0 ? $"{line} … ({dropped:N0} more characters of this line not kept)" : line.ToString();
            line.Clear();
            dropped = 0;
            onLine(text);
        }
    }
}

/// <summary>
/// The newest part of a trial's output, at most <see cref="Capacity"/> characters: older lines
/// leave as new ones come. Thread-safe; <see cref="Total"/> counts every character ever written
/// (a line and its line break), so a reader that ships it on asks for what came after its offset.
/// </summary>
public sealed class LogTail(int capacity = LogTail.DefaultCapacity)
{
    public const int DefaultCapacity = 1 << 20;

    private readonly Queue<(long Start, string Line)> _lines = new();
    private readonly object _gate = new();
    private long _chars;

    public int Capacity => capacity;

    public long Total
    {
        get { lock (_gate) return _total; }
    }

    private long _total;

    public void Add(string line)
    {
        lock (_gate)
        {
            _lines.Enqueue((_total, line));
            _chars += line.Length + 1;
            _total += line.Length + 1;
            while (_chars > capacity && _lines.Count > 1) _chars -= _lines.Dequeue().Line.Length + 1;
        }
    }

    /// <summary>
    /// Whole lines written from <paramref name="offset"/> on, up to about <paramref name="maxChars"/>
    /// (at least one line), and the offset they start at: later than asked when the lines between
    /// have left already.
    /// </summary>
    public (long From, string Text) Since(long offset, int maxChars)
    {
        lock (_gate)
        {
            var sb = new System.Text.StringBuilder();
            long from = -1;
            foreach (var (start, line) in _lines)
            {
                if (start < offset) continue;
                if (from < 0) from = start;
                else if (sb.Length + line.Length + 1 > maxChars) break;
                sb.Append(line).Append('\n');
            }
            return from < 0 ? (_total, "") : (from, sb.ToString());
        }
    }

    /// <summary>The lines kept, oldest first.</summary>
    public string Text()
    {
        lock (_gate) return _lines.Count == 0 ? "" : string.Join('\n', _lines.Select(l => l.Line)) + "\n";
    }

    /// <summary>The last <paramref name="count"/> lines, for an error message.</summary>
    public string Last(int count)
    {
        lock (_gate) return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => l.Line));
    }
}
