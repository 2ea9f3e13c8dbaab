namespace LeeMl.Sweep.Cli.Tests.Fit;

/// <summary><c>fit</c> as a user runs it: a real process, the built-in datasets, real CSVs.</summary>
public sealed class FitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-fit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Csv(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Pokemon_shared_covariance_prints_the_lecture_figure_from_the_built_in_data_with_no_data_folder()
    {
        var r = CliRunner.Process(_dir, ["fit", "--data", "pokemon", "--model", "gaussian-shared", "--validation", "0"], new() { ["LEEML_DATA"] = null });
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("140 train", r.Stdout);
        Assert.Contains("test accuracy: 77.14 %", r.Stdout);
    }

    [Fact]
    public void Curve_prints_one_row_per_epoch_and_fine_tuning_resumes_from_saved_parameters()
    {
        var saved = Path.Combine(_dir, "params.txt");
        var first = CliRunner.InProcess("fit", "--data", "blobs", "--samples", "600", "--model", "softmax", "--optimizer", "adam", "--param", "lr=0.05",
            "--epochs", "3", "--curve", "--save-params", saved);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(3, first.Stdout.Split('\n').Count(l => l.Length > 0 && char.IsDigit(l[0])));
        Assert.True(File.Exists(saved));
        var tuned = CliRunner.InProcess("fit", "--data", "blobs", "--samples", "600", "--model", "softmax", "--optimizer", "sgd", "--param", "lr=0.000001",
            "--epochs", "1", "--init-params", saved);
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        var firstTrain = first.Stdout.Split('\n').Single(l => l.StartsWith("train accuracy", StringComparison.Ordinal));
        var tunedTrain = tuned.Stdout.Split('\n').Single(l => l.StartsWith("train accuracy", StringComparison.Ordinal));
        Assert.Equal(firstTrain, tunedTrain);   // a near-zero rate keeps the saved model
    }

    [Fact]
    public void A_csv_file_with_a_label_column_trains()
    {
        var rows = string.Join("\n", Enumerable.Range(0, 200).Select(i => $"{i % 7},{(i % 2 == 0 ? "red" : "blue")},{(i % 2 == 0 ? 1.5 : -1.5) + (i % 5) * 0.1},{(i % 2 == 0 ? "yes" : "no")}"));
        var path = Csv("ok.csv", "a,colour,b,target\n" + rows + "\n");
        var r = CliRunner.InProcess("fit", "--data", path, "--label", "target", "--model", "logistic", "--optimizer", "adam", "--param", "lr=0.05", "--epochs", "10");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("test accuracy: 100.00 %", r.Stdout);
    }

    [Fact]
    public void A_given_test_file_is_encoded_with_the_training_files_statistics()
    {
        string Rows(int from, int to) => string.Join("\n", Enumerable.Range(from, to - from).Select(i => $"{(i % 2 == 0 ? 10 + i % 3 : -10 - i % 3)},{(i % 2 == 0 ? "a" : "b")}"));
        var train = Csv("train.csv", "x,y\n" + Rows(0, 100) + "\n");
        var test = Csv("test.csv", "x,y\n" + Rows(100, 140) + "\n");
        var r = CliRunner.InProcess("fit", "--data", train, "--test-data", test, "--label", "y", "--model", "naive-bayes", "--validation", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("100 train, 0 validation, 40 test rows", r.Stdout);
        Assert.Contains("test accuracy: 100.00 %", r.Stdout);
        var other = Csv("other.csv", "x,label\n1,a\n");
        Assert.Equal(2, CliRunner.InProcess("fit", "--data", train, "--test-data", other, "--label", "y", "--model", "naive-bayes").ExitCode);
    }

    public static TheoryData<string, string, string> BadCsvs => new()
    {
        { "missing.csv", "", "file not found" },
        { "empty.csv", "\n\n", "the file is empty" },
        { "noheader.csv", "1,2,3\n4,5,6\n", "no header row" },
        { "ragged.csv", "a,b,y\n1,2,0\n3,0\n", "ragged.csv:3: ragged row" },
        { "text.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,x,1\n", "text.csv:5: column 'b': non-numeric cell 'x'" },
        { "nan.csv", "a,b,y\n1,2,0\n3,4,1\n5,NaN,0\n7,8,1\n", "nan.csv:4: column 'b': 'NaN' is not a finite number" },
        { "inf.csv", "a,b,y\n1,2,0\n3,Infinity,1\n5,6,0\n7,8,1\n", "column 'b': 'Infinity' is not a finite number" },
        { "single.csv", "a,b,y\n1,2,0\n3,4,0\n5,6,0\n", "single class" },
        { "label.csv", "a,b,y\n1,2,0\n3,4,1\n", "unknown column 'target'" },
    };

    [Theory]
    [MemberData(nameof(BadCsvs))]
    public void Bad_data_gets_file_line_and_column_and_exit_code_2(string name, string text, string message)
    {
        var path = name == "missing.csv" ? Path.Combine(_dir, name) : Csv(name, text);
        var r = CliRunner.InProcess("fit", "--data", path, "--label", name == "label.csv" ? "target" : "y", "--model", "logistic");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Fewer_rows_than_a_batch_and_a_missing_named_dataset_are_clear_errors()
    {
        var small = Csv("small.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n9,0\n10,1\n");
        var r = CliRunner.InProcess("fit", "--data", small, "--label", "y", "--model", "logistic", "--batch-size", "64", "--validation", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fewer than one batch of 64", r.Stderr);
        var missing = CliRunner.InProcess("fit", "--data", "adult", "--data-dir", _dir, "--model", "logistic");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("adult.data.gz", missing.Stderr);
        Assert.Contains("leave out --data-dir and LEEML_DATA to use the built-in copy", missing.Stderr);
        var badOpt = CliRunner.InProcess("fit", "--data", "blobs", "--model", "logistic", "--optimizer", "adamx");
        Assert.Equal(2, badOpt.ExitCode);
        Assert.Equal("", badOpt.Stdout);
    }
}
