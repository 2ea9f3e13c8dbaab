using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Tests;

/// <summary>A node parses a job's spec once, whoever asks first: the API, the job's entity, the worker or the reports.</summary>
public sealed class SpecCacheTests
{
    private static string Text(string name) => $"name: {name}\ndata: {{ synthetic: blobs }}\nmodels: [gaussian-shared]\n";

    [Fact]
    public void A_job_s_spec_is_parsed_once_a_changed_text_again_and_the_oldest_jobs_leave_first()
    {
        var cache = new SpecCache(capacity: 2);
        var first = cache.Get("job-a", Text("a"));
        Assert.Same(first, cache.Get("job-a", Text("a")));
        Assert.Equal(1, cache.Parsed);
        Assert.Equal("b", cache.Get("job-a", Text("b")).Name);   // the same id with other text is not taken for the old one
        Assert.Equal(2, cache.Parsed);

        var accepted = SpecParser.Parse(Text("c"), "c.yaml");
        cache.Add("job-c", accepted);   // parsed where the job was accepted
        Assert.Same(accepted, cache.Get("job-c", Text("c")));
        Assert.Equal(2, cache.Parsed);

        cache.Get("job-d", Text("d"));   // a third job: job-a leaves
        Assert.Equal(3, cache.Parsed);
        cache.Get("job-a", Text("b"));
        Assert.Equal(4, cache.Parsed);
    }
}
