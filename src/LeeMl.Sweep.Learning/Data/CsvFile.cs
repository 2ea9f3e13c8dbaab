using System.IO.Compression;
using System.Text;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>One CSV record with the 1-based line it came from.</summary>
public sealed record CsvRow(int Line, string[] Fields);

/// <summary>
/// Reads a CSV file (RFC 4180 quoting; gzip read directly when the file starts with gzip's magic
/// bytes). Blank lines are skipped; a row with another number of fields than the first is an error.
/// </summary>
public static class CsvFile
{
    public static IReadOnlyList<CsvRow> Read(DataFile file, bool trimFields = false, int skipLines = 0)
    {
        var path = file.Name;
        using var stream = Open(file);
        using var reader = new LineReader(new StreamReader(stream, Encoding.UTF8), path);
        var rows = new List<CsvRow>();
        var lineNumber = 0;
        int? width = null;
        long cells = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (lineNumber <= skipLines || line.Length == 0 || (line.Trim().Length == 0)) continue;
            var fields = Split(line, path, lineNumber);
            if (trimFields)
                for (var i = 0; i < fields.Length; i++) fields[i] = fields[i].Trim();
            width ??= fields.Length;
            if (fields.Length != width)
                throw DataException.At(path, lineNumber, null, $"ragged row: {fields.Length} fields where the first row has {width}");
            if ((cells += fields.Length) > DataLimits.MaxCells)
                throw new DataException($"{path}: more than {DataLimits.N(DataLimits.MaxCells)} fields (rows × columns), the limit for a data file", overLimit: true);
            rows.Add(new CsvRow(lineNumber, fields));
        }
        if (rows.Count == 0) throw new DataException($"{path}: the file is empty");
        return rows;
    }

    /// <summary>The first <paramref name="count"/> non-blank lines split into fields, without width checks.</summary>
    public static IReadOnlyList<string[]> Peek(DataFile file, int count)
    {
        var path = file.Name;
        using var reader = new LineReader(new StreamReader(Open(file), Encoding.UTF8), path);
        var lines = new List<string[]>();
        var number = 0;
        while (lines.Count < count && reader.ReadLine() is { } line)
            if (++number > 0 && line.Trim().Length > 0) lines.Add(Split(line, path, number));
        return lines;
    }

    /// <summary>The file's text bytes: gunzipped when it starts with gzip's magic bytes.</summary>
    private static Stream Open(DataFile file)
    {
        var stream = file.Open();
        if (!stream.CanSeek)
        {
            // Copied (to look at its first bytes) no further than the text a file may hold.
            var copy = new MemoryStream();
            using (stream)
            {
                var buffer = new byte[1 << 16];
                int n0;
                while ((n0 = stream.Read(buffer)) > 0)
                {
                    if (copy.Length + n0 > DataLimits.MaxTextBytes)
                        throw new DataException($"{file.Name}: more than {DataLimits.N(DataLimits.MaxTextBytes)} bytes, the limit for a data file", overLimit: true);
                    copy.Write(buffer, 0, n0);
                }
            }
            copy.Position = 0;
            stream = copy;
        }
        Span<byte> magic = stackalloc byte[2];
        var n = stream.Read(magic);
        stream.Position = 0;
        var gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return new LimitedText(gzip ? new GZipStream(stream, CompressionMode.Decompress) : stream, gzip ? stream : null, file.Name);
    }

    /// <summary>A file's text as it is read, within <see cref="DataLimits"/>: a gzip bomb is refused long before it is unpacked.</summary>
    private sealed class LimitedText(Stream text, Stream? compressed, string path) : Stream
    {
        private long _read;

        public override int Read(Span<byte> buffer)
        {
            var n = text.Read(buffer);
            _read += n;
            if (_read > DataLimits.MaxTextBytes)
                throw new DataException($"{path}: more than {DataLimits.N(DataLimits.MaxTextBytes)} bytes of text, the limit for a data file", overLimit: true);
            // The compressed stream's position runs ahead of what the text used: the ratio is, if anything, underestimated.
            if (compressed is not null && _read > DataLimits.RatioFrom && _read > DataLimits.MaxRatio * Math.Max(1, compressed.Position))
                throw new DataException($"{path}: gzip that unpacks to over {DataLimits.MaxRatio} times its size (more than {DataLimits.N(_read)} bytes from {DataLimits.N(compressed.Position)}), the limit for a data file", overLimit: true);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) text.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Lines as <see cref="TextReader.ReadLine"/> gives them (ended by \n, \r or \r\n), but never
    /// longer than <see cref="DataLimits.MaxLineChars"/>: a file of one endless line is refused
    /// after a megabyte, not held whole in memory.
    /// </summary>
    private sealed class LineReader(TextReader reader, string path) : IDisposable
    {
        private readonly char[] _buffer = new char[1 << 16];
        private readonly StringBuilder _line = new();
        private int _start, _end, _number;
        private bool _afterCarriageReturn;

        public string? ReadLine()
        {
            _line.Clear();
            _number++;
            while (true)
            {
                if (_start == _end)
                {
                    _end = reader.Read(_buffer, 0, _buffer.Length);
                    _start = 0;
                    if (_end == 0) return _line.Length > 0 ? _line.ToString() : null;
                }
                if (_afterCarriageReturn)
                {
                    _afterCarriageReturn = false;
                    if (_buffer[_start] == '\n') { _start++; continue; }
                }
                var span = _buffer.AsSpan(_start, _end - _start);
                var stop = span.IndexOfAny('\n', '\r');
                var take = stop < 0 ? span.Length : stop;
                if (_line.Length + take > DataLimits.MaxLineChars)
                    throw new DataException($"{path}: line {_number} is longer than {DataLimits.N(DataLimits.MaxLineChars)} characters, the limit for a data file", overLimit: true);
                _line.Append(span[..take]);
                if (stop < 0) { _start = _end; continue; }
                _afterCarriageReturn = span[stop] == '\r';
                _start += stop + 1;
                return _line.ToString();
            }
        }

        public void Dispose() => reader.Dispose();
    }

    /// <summary>One field for writing: quoted (RFC 4180) when it holds a comma, a quote or a line break.</summary>
    public static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : $"\"{s.Replace("\"", "\"\"")}\"";

    private static string[] Split(string line, string path, int lineNumber)
    {
        if (!line.Contains('"')) return line.Split(',');
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        if (quoted) throw DataException.At(path, lineNumber, null, "unterminated quote");
        fields.Add(sb.ToString());
        return [.. fields];
    }
}
