using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Tests;

/// <summary>YAML syntax errors name the line, the column and the problem in plain words.</summary>
public sealed class YamlSyntaxTests
{
    [Theory]
    [InlineData("name: x\ndata: { synthetic: blobs\nmodels: [logistic]\n", "s.yaml:2:7: syntax error: this '{' is never closed")]
    [InlineData("name: x\n  data: 1\n", "s.yaml:2:7: syntax error: a 'key: value' where a plain value was expected")]
    [InlineData("name: x\ndata: [a, b\n", "s.yaml:2:7: syntax error: this '[' is never closed")]
    [InlineData("name: \"x\n", "s.yaml:1:7: syntax error: a quoted text is not closed (a quote is missing)")]
    [InlineData("a:\n\t- b\n", "syntax error: a tab is used for indentation; YAML indents with spaces")]
    [InlineData("name: x\nname: y\n", "s.yaml:2:1: syntax error: the key 'name' is given twice")]
    [InlineData("- a\nb: c\n", "s.yaml:2:1: syntax error: this line does not continue the list above it")]
    [InlineData("name: x # a [ in a comment\ndata: { name: pokemon\n", "s.yaml:2:7: syntax error: this '{' is never closed")]
    public void A_syntax_error_names_line_column_and_the_problem(string text, string expected)
    {
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse(text, "s.yaml"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("Operation is not valid", e.Message);
        Assert.DoesNotContain("While ", e.Message);
    }
}
